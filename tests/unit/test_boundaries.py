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
    assert ROOT / "bot" / "store" / "store.py" in APPLICATION
    assert RETRIEVAL / "search" / "index.py" in sorted(RETRIEVAL.rglob("*.py"))


@pytest.mark.parametrize(
    "path", sorted(RETRIEVAL.rglob("*.py")), ids=lambda p: str(p.relative_to(RETRIEVAL))
)
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


PROJECT = sorted(
    p for folder in ("bot", "retrieval", "config") for p in (ROOT / folder).rglob("*.py")
)
ENTRY_POINT = "bot.cli"  # the command line: it imports the application, nothing imports it


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PROJECT}


def project_imports(path: Path) -> set[str]:
    """The project modules a module imports anywhere in it: at the top, inside functions,
    and for type checking (an annotation that needs another module is a dependency too)."""
    return {n for n in names(path) if n in MODULES} - {module_name(path)}


def import_graph() -> dict[str, set[str]]:
    return {name: project_imports(path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each strongly connected group of two or more modules (Tarjan), or a
    module that imports itself, as its members in order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for after in sorted(graph[node]):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            group = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1 or node in graph[node]:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_loop_and_only_a_loop() -> None:
    # Guards the test below against passing because the finder is blind.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert "bot.telegram.app" in import_graph()["bot.cli"]  # imported inside run_serve only


def test_project_modules_import_each_other_without_cycles() -> None:
    # A cycle makes the order in which modules may be read, changed and tested arbitrary;
    # shared pieces belong in a module below both (upkeep/building.py, endpoints/shared.py …).
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("path", PROJECT, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_imports_the_command_line(path: Path) -> None:
    # The CLI is the top of the house: a module that borrows from it imports all of it.
    if module_name(path) != ENTRY_POINT:
        assert ENTRY_POINT not in project_imports(path)


def stage(module: str) -> str:
    """A retrieval module's stage: its sub-package (retrieval.search), or itself when on top."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_retrieval_stages_import_each_other_without_cycles() -> None:
    # The sub-packages are the pipeline (reading → documents → words → question → search →
    # lookup; storage beside): a stage that reaches back up hides that order.
    graph: dict[str, set[str]] = {}
    for name, imported in import_graph().items():
        if name.startswith("retrieval."):
            node = graph.setdefault(stage(name), set())
            node.update(
                stage(m)
                for m in imported
                if m.startswith("retrieval.") and stage(m) != stage(name)
            )
    assert {"retrieval.reading", "retrieval.search", "retrieval.library"} <= set(graph)
    assert cycles(graph) == []
