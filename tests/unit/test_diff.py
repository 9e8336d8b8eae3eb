"""Two editions of one document: articles aligned and classified, changed words marked."""

from __future__ import annotations

from retrieval.documents.diff import align, counts, word_diff
from retrieval.documents.numbering import int_to_cn
from retrieval.model import Clause


def edition(doc_id: str, texts: list[str]) -> list[Clause]:
    return [
        Clause(doc_id, n, "article", (("article", n + 1),), f"第{int_to_cn(n + 1)}条", None, t)
        for n, t in enumerate(texts)
    ]


OLD = edition(
    "old",
    [
        "为了规范会计行为，保证会计资料真实、完整，制定本法。",
        "单位负责人对本单位的会计工作和会计资料的真实性、完整性负责。",
        "会计人员应当遵守职业道德，提高业务素质。",
        "各单位应当按照国家统一的会计制度的规定设置会计账簿。",
    ],
)
NEW = edition(
    "new",
    [
        "为了规范会计行为，保证会计资料真实、完整，制定本法。",
        "单位负责人对本单位的会计工作和会计资料的真实性、完整性、准确性负责。",
        "国家加强会计信息化建设，鼓励依法采用现代信息技术开展会计工作。",
        "会计人员应当遵守职业道德，提高业务素质。",
    ],
)


def test_each_article_is_classified() -> None:
    changes = align(OLD, NEW)
    kinds = [
        (c.kind, c.old.label if c.old else None, c.new.label if c.new else None) for c in changes
    ]
    assert kinds == [
        ("unchanged", "第一条", "第一条"),
        ("changed", "第二条", "第二条"),
        ("added", None, "第三条"),
        ("renumbered", "第三条", "第四条"),
        ("removed", "第四条", None),
    ]


def test_counts_say_how_many_of_each() -> None:
    assert counts(align(OLD, NEW)) == {
        "added": 1,
        "removed": 1,
        "changed": 1,
        "renumbered": 1,
        "unchanged": 1,
    }


def test_a_renumbered_and_reworded_article_is_still_matched() -> None:
    reworded = edition("new", ["前言。", "会计人员应当遵守职业道德，不断提高业务素质。"])
    [_, moved] = [c for c in align(OLD[2:3], reworded) if c.new is not None]
    assert moved.kind == "renumbered"
    assert moved.text_changed


def test_changed_words_are_marked() -> None:
    pieces = word_diff(OLD[1].text, NEW[1].text)
    assert ("added", "、准确性") in pieces
    assert "".join(t for op, t in pieces if op != "removed") == NEW[1].text
    assert "".join(t for op, t in pieces if op != "added") == OLD[1].text
