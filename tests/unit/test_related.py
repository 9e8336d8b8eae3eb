"""Related clauses across documents: similar wording in another document, above a threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from retrieval.model import Clause
from retrieval.search.related import MAX_RELATED, phrase_share
from tests.related_corpus import TOBACCO, TOBACCO_RULES, write_related_corpus
from tests.two_editions import write_editions


def related(library: Library, ref: str) -> list[tuple[str, str]]:
    [hit] = library.lookup(ref).hits
    return [(library.short_name(c), c.label) for c in library.related(hit.clause)]


def clause(library: Library, ref: str) -> Clause:
    return library.lookup(ref).hits[0].clause


def test_two_policies_on_one_field_without_shared_phrasing_are_not_related(
    library: Library,
) -> None:
    # 公共数据意见（一）统筹推进政务数据共享 and 数字政府指导意见 五、（二）深化数据高效共享 share
    # the field's words (政务数据, 共享, 目录) but no phrasing: labelled pairs of this kind were
    # as often unrelated as related, so the button stays away (docs/evaluation.md).
    assert related(library, "公共数据意见（一）") == []
    assert related(library, "数字政府 5.2") == []


def test_phrase_share_counts_the_shorter_texts_pieces_found_in_the_other() -> None:
    assert phrase_share("焦油含量级", "标明焦油含量级和警示语") == 1.0
    assert phrase_share("焦油含量级", "森林防火区内") == 0.0
    assert phrase_share("焦油，含量级", "焦油含量级") == 1.0  # punctuation is not text


def test_no_related_clause_is_from_the_same_document(library: Library) -> None:
    for doc in library.documents:
        for own in doc.clauses:
            assert all(c.doc_id != doc.doc_id for c in library.related(own))


def test_news_and_commentary_paragraphs_are_neither_matched_nor_shown(library: Library) -> None:
    kinds = {d.doc_id: d.kind for d in library.documents}
    for doc in library.documents:
        for own in doc.clauses:
            shown = library.related(own)
            assert len(shown) <= MAX_RELATED
            assert {kinds[c.doc_id] for c in shown} <= {"policy", "regulation"}
            if doc.kind in ("news", "commentary"):
                assert shown == []


def test_a_clause_sharing_only_general_policy_words_gets_none(library: Library) -> None:
    # 数据二十条（四）公共数据确权授权 shares 公共数据, 授权, 使用 … with many clauses of the
    # other policies, but none of them is about the same matter closely enough.
    assert related(library, "数据二十条（四）") == []


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Library:
    corpus = write_related_corpus(tmp_path_factory.mktemp("corpus"))
    return Library.load(LibraryPaths(corpus, LEXICON_DIR))


def test_the_same_rule_in_shared_phrasing_is_related(small: Library) -> None:
    assert related(small, "烟草标识条例第一条") == [("烟草标识实施细则", "第一条")]
    assert related(small, "烟草标识实施细则第一条") == [("烟草标识条例", "第一条")]


def test_clauses_sharing_only_common_words_are_not_related(small: Library) -> None:
    assert related(small, "烟草标识条例第二条") == []
    assert related(small, "森林防火规定第一条") == []


def test_editions_of_one_document_are_not_related_clauses(tmp_path: Path) -> None:
    library = Library.load(LibraryPaths(write_editions(tmp_path), LEXICON_DIR))
    for doc in library.documents:
        for own in doc.clauses:
            assert all(library.title(c) != doc.title for c in library.related(own)), own.label


def test_a_copy_of_the_clause_under_another_title_is_not_shown(tmp_path: Path) -> None:
    for name, text in (("烟草标识条例", TOBACCO), ("烟草标识实施细则", TOBACCO_RULES)):
        (tmp_path / f"{name}.md").write_text(text, encoding="utf-8")
    copy = TOBACCO.replace("# 烟草标识条例", "# 烟草标识条例汇编本")
    (tmp_path / "烟草标识条例汇编本.md").write_text(copy, encoding="utf-8")
    library = Library.load(LibraryPaths(tmp_path, LEXICON_DIR))
    assert related(library, "烟草标识条例第一条") == [("烟草标识实施细则", "第一条")]
