"""The generated training/test questions point at real articles with verbatim snippets."""

from __future__ import annotations

import json
from functools import cache

import pytest

from retrieval.corpus import read_file
from retrieval.words.normalize import fold_layout
from tests.harness import FIXTURES, SHARED

GENERATED = FIXTURES / "generated"
LAWS = SHARED / "laws"
SPLITS = ("train", "test")

pytestmark = pytest.mark.skipif(
    not LAWS.is_dir(), reason="../shared/laws is absent: the gold articles cannot be read"
)


def _items(split: str) -> list[dict[str, object]]:
    lines = (GENERATED / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@cache
def _articles(file: str) -> dict[str, str]:
    copies, _ = read_file(LAWS / file)
    return {d.label: fold_layout(d.text) for copy in copies for d in copy.clauses}


@pytest.mark.parametrize("split", SPLITS)
def test_every_gold_article_exists_and_holds_its_snippets(split: str) -> None:
    for item in _items(split):
        for gold in item["gold"]:  # type: ignore[attr-defined]
            articles = _articles(str(item["file"]))
            assert gold["section"] in articles, (item["id"], gold["section"])
            text = articles[gold["section"]]
            assert all(fold_layout(s) in text for s in gold["snippets"]), item["id"]


def test_the_splits_share_no_document() -> None:
    train = {item["doc"] for item in _items("train")}
    test = {item["doc"] for item in _items("test")}
    assert train
    assert test
    assert not train & test


def test_every_split_has_questions_and_out_of_scope_queries() -> None:
    for split in SPLITS:
        kinds = {item["kind"] for item in _items(split)}
        assert kinds == {"question", "out_of_scope"}, split
