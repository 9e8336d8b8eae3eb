"""The reader's verdicts on non-gold answers point at real clauses (issue 23 point 6)."""

from __future__ import annotations

import json
import zlib
from functools import cache

import pytest

from retrieval.corpus import read_file
from retrieval.words.normalize import fold_layout
from tests.harness import FIXTURES, SHARED

JUDGED = FIXTURES / "judged_answers.jsonl"
LAWS = SHARED / "laws"
SEEDS = FIXTURES.parent.parent / "seeds"


def _rows() -> list[dict[str, str]]:
    lines = JUDGED.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _key(text: str) -> str:
    return f"{zlib.crc32(fold_layout(text).encode()):08x}"


@cache
def _keys(title: str) -> frozenset[str]:
    """Keys of every clause of the seed or law files whose document has this title."""
    # File names drop 中华人民共和国 wherever it stands (《刑事诉讼法》 in a title).
    core = title.replace("中华人民共和国", "")
    files = [*SEEDS.glob("*"), *(LAWS.rglob(f"{core}*.md") if LAWS.is_dir() else [])]
    keys: set[str] = set()
    for path in files:
        copies, _ = read_file(path)
        for copy in copies:
            if copy.title == title:
                keys.update(_key(d.text) for d in copy.clauses)
    return frozenset(keys)


def test_every_verdict_is_one_of_three_with_a_reason() -> None:
    rows = _rows()
    assert rows
    assert all(r["verdict"] in ("yes", "partial", "no") and r["reason"] for r in rows)
    assert len({(r["query"], r["key"]) for r in rows}) == len(rows)


def test_every_judged_clause_exists_in_its_document() -> None:
    if not LAWS.is_dir():
        pytest.skip("../shared/laws is absent: the judged law clauses cannot be read")
    missing = [(r["title"], r["label"]) for r in _rows() if r["key"] not in _keys(r["title"])]
    assert not missing
