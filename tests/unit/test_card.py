"""A bare document name answers with the document's card, never 未找到."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import render
from config.settings import LEXICON_DIR
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
