"""A bare document name answers with the document's card, never 未找到."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot import render, texts
from bot.cli import run_toc
from config.settings import LEXICON_DIR
from retrieval.documents.numbering import int_to_cn
from retrieval.library import Library, LibraryPaths
from retrieval.lookup.card import quoted_title


@pytest.mark.parametrize(
    "name", ["数据二十条", "《数据二十条》", "数据二十条讲了什么", "数据20条"]
)
def test_a_bare_name_gives_the_card(library: Library, name: str) -> None:
    answer = library.answer(name)
    assert (answer.mode, answer.status, answer.note) == ("lookup", "ok", "document")
    assert answer.card is not None
    assert answer.card.doc_id == "data20"
    assert answer.card.issuer == "中共中央 国务院"
    assert answer.card.chapters[0] == "一、总体要求"


def test_the_card_states_a_date_when_the_text_does(library_with_regulation: Library) -> None:
    card = library_with_regulation.answer("上海市社会信用条例").card
    assert card is not None
    assert card.date == "2017-06-23"


def test_a_question_naming_a_document_is_searched(library: Library) -> None:
    assert library.answer("数据二十条里数据跨境怎么管").note != "document"


def test_titles_holding_book_marks_are_not_wrapped_again() -> None:
    assert quoted_title("国务院印发《关于加强数字政府建设的指导意见》") == (
        "国务院印发《关于加强数字政府建设的指导意见》"
    )
    assert quoted_title("数据二十条") == "《数据二十条》"


def test_an_amended_law_s_card_names_its_edition(corpus_dir: Path) -> None:
    law = (
        "# 中华人民共和国测试法\n\n1993年10月31日 通过\n\n"
        "2013年10月25日 第二次修正\n\n第一条 为了测试，制定本法。\n"
    )
    (corpus_dir / "测试法(2013-10-25).md").write_text(law, encoding="utf-8")
    card = Library.load(LibraryPaths(corpus_dir, LEXICON_DIR)).answer("测试法").card
    assert card is not None
    assert card.date == "1993-10-31"
    assert "版本：2013-10-25 版（现行）" in render.card_lines(card)


def _civil_code_in_parts(corpus_dir: Path) -> Library:
    """The civil code as the laws collection ships it: a file per part, one title."""
    parts = {"总则": (1, "基本规定"), "婚姻家庭编": (1040, "一般规定")}
    for part, (first, chapter) in parts.items():
        text = (
            f"# 中华人民共和国民法典\n\n# {part}\n\n## 第一章 {chapter}\n\n"
            f"第{int_to_cn(first)}条 {part}的第一条。\n\n"
            f"第{int_to_cn(first + 1)}条 {part}的第二条。\n"
        )
        (corpus_dir / f"{part}.md").write_text(text, encoding="utf-8")
    return Library.load(LibraryPaths(corpus_dir, LEXICON_DIR))


def test_a_document_in_several_files_has_one_card_for_all_parts(corpus_dir: Path) -> None:
    library = _civil_code_in_parts(corpus_dir)
    answer = library.answer("民法典")
    assert answer.card is not None
    assert answer.card.clause_count == len(library.clauses)
    assert answer.card.chapters == ("总则 › 第一章 基本规定", "婚姻家庭编 › 第一章 一般规定")


def test_a_part_is_reached_by_the_id_the_document_list_gives_it(corpus_dir: Path) -> None:
    library = _civil_code_in_parts(corpus_dir)
    assert sorted(d.doc_id for d in library.resolve("民法典")) == ["民法典", "民法典-2"]
    [second] = [d for d in library.documents if d.doc_id == "民法典-2"]
    assert library.resolve("民法典-2") == [second]


def test_a_table_of_contents_of_a_name_in_several_files_lists_their_ids(
    corpus_dir: Path,
) -> None:
    out = io.StringIO()
    run_toc(_civil_code_in_parts(corpus_dir), "民法典", out)
    assert out.getvalue().strip() == texts.TOC_SEVERAL.format(
        name="民法典", ids="民法典、民法典-2"
    )
