"""retrieval/ stays pure: no Telegram, no HTTP, no settings, no bot."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RETRIEVAL = Path(__file__).resolve().parents[2] / "retrieval"
FORBIDDEN = ("bot", "telegram", "httpx", "config", "os.environ")


@pytest.mark.parametrize("path", sorted(RETRIEVAL.glob("*.py")), ids=lambda p: p.name)
def test_retrieval_module_imports_nothing_outward(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
    assert not [m for m in imported if m.split(".")[0] in FORBIDDEN]
    assert "os.environ" not in path.read_text(encoding="utf-8")
