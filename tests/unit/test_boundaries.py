"""The three layers hold: retrieval/ is pure, and only bot/telegram/ speaks Telegram."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RETRIEVAL = ROOT / "retrieval"
EDGE = ROOT / "bot" / "telegram"
SERVER = ROOT / "bot" / "cli.py"  # the entry point that serves
FORBIDDEN = ("bot", "telegram", "httpx", "config", "os.environ")
APPLICATION = sorted(
    p
    for folder in ("bot", "retrieval", "config", "benchmarks")
    for p in (ROOT / folder).rglob("*.py")
)


def imports(tree: ast.AST) -> list[tuple[str, ast.stmt]]:
    """Every module an import names, with its statement (`from a import b` names a.b too)."""
    found: list[tuple[str, ast.stmt]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node))
            found.extend((f"{node.module}.{alias.name}", node) for alias in node.names)
    return found


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def names(path: Path) -> list[str]:
    return [name for name, _ in imports(parsed(path))]


def is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_scan_sees_the_edge_and_the_layers_beside_it() -> None:
    # Guards the tests below against passing because they found nothing to read.
    assert EDGE / "handlers.py" in APPLICATION
    assert any(is_under(n, "telegram") for n in names(EDGE / "handlers.py"))
    assert ROOT / "bot" / "store.py" in APPLICATION


@pytest.mark.parametrize("path", sorted(RETRIEVAL.glob("*.py")), ids=lambda p: p.name)
def test_retrieval_module_imports_nothing_outward(path: Path) -> None:
    imported = names(path)
    assert not [m for m in imported if m.split(".")[0] in FORBIDDEN]
    assert "os.environ" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path",
    [p for p in APPLICATION if EDGE not in p.parents],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_the_telegram_package_imports_telegram(path: Path) -> None:
    assert not [n for n in names(path) if is_under(n, "telegram")]


@pytest.mark.parametrize(
    "path",
    [p for p in APPLICATION if EDGE not in p.parents and p != SERVER],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_nothing_but_the_entry_point_imports_the_telegram_package(path: Path) -> None:
    assert not [n for n in names(path) if is_under(n, "bot.telegram")]


def test_the_entry_point_imports_the_telegram_package_only_inside_serve() -> None:
    tree = parsed(SERVER)
    top_level = {id(node) for node in tree.body}
    edge = [node for name, node in imports(tree) if is_under(name, "bot.telegram")]
    assert edge, "bot/cli.py serves through bot/telegram/"
    assert not [node for node in edge if id(node) in top_level]
    serve = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "run_serve")
    inside = {id(node) for node in ast.walk(serve)}
    assert all(id(node) in inside for node in edge)


TESTS = ROOT / "tests"
TEST_MODULES = sorted(p for p in TESTS.rglob("*.py") if p.name.startswith("test_"))


def is_test_module(name: str) -> bool:
    last = name.split(".")[-1]
    return is_under(name, "tests") and (last.startswith("test_") or last == "conftest")


def test_the_scan_sees_the_test_modules() -> None:
    assert TESTS / "e2e" / "test_serve.py" in TEST_MODULES


@pytest.mark.parametrize("path", TEST_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_test_module_imports_another_or_a_conftest(path: Path) -> None:
    # Shared helpers live in tests/harness.py and tests/e2e/harness.py; a test module that
    # imports another also runs that module's fixtures and hides where a helper lives.
    assert not [n for n in names(path) if is_test_module(n.rsplit(".", 1)[0]) or is_test_module(n)]
