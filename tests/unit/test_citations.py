"""References inside clause texts, resolved to the clauses they name."""

from __future__ import annotations

import pytest

from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from tests.two_editions import write_editions

EXTRA = """# 测试细则

2024年2月1日 通过

<!-- INFO END -->

第一条 依照《测试条例》第二条、第三条，制定本细则。

第二条 测试记录应当保存十年。

第三条 违反前条规定的，依照本细则第二条予以纠正；依照《测试法》第九条处理。
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    corpus = write_editions(tmp_path_factory.mktemp("corpus"))
    (corpus / "测试细则(2024-02-01).md").write_text(EXTRA, encoding="utf-8")
    return Library.load(LibraryPaths(corpus, LEXICON_DIR))


def cited(library: Library, doc_id: str, ordinal: int) -> list[tuple[str, str, bool, bool]]:
    clause = library.document(doc_id).clauses[ordinal]  # type: ignore[union-attr]
    return [
        (c.doc_title, c.section, c.in_library, c.ordinal is not None)
        for c in library.cites(clause)
    ]


def test_a_list_of_articles_of_a_titled_document_is_each_resolved(library: Library) -> None:
    assert cited(library, "测试细则", 0) == [
        ("测试条例", "第二条", True, True),
        ("测试条例", "第三条", True, True),
    ]


def test_the_previous_article_and_own_articles_resolve_in_the_same_document(
    library: Library,
) -> None:
    assert cited(library, "测试细则", 2)[:2] == [
        ("测试细则", "第二条", True, True),  # 前条 (repeated by 本细则第二条: listed once)
        ("测试法", "第九条", True, False),
    ]


def test_a_document_not_loaded_is_named_as_such(library: Library) -> None:
    assert ("中华人民共和国行政处罚法", "第三十二条", False, False) in cited(
        library, "测试条例", 4
    )


def test_a_clause_citing_nothing_has_no_citations(library: Library) -> None:
    assert cited(library, "测试法", 0) == []


def test_the_cited_clause_knows_who_cites_it(library: Library) -> None:
    second = library.document("测试条例").clauses[1]  # type: ignore[union-attr]
    citing = {(c.doc_title, c.section) for c in library.cited_by(second)}
    assert citing == {("测试条例", "第五条"), ("测试细则", "第一条")}
