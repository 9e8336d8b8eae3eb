"""A question naming a loaded document by its full title — long 最高人民法院关于…的规定
titles, titles quoting another law in 《》, spaces, 中华人民共和国 left out — is answered
from that document, never told the document is not in the library."""

from __future__ import annotations

import pytest

from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths

# Real title shapes (of ../shared/laws), each with its file's name.
TITLES = {
    "银行卡规定.md": "最高人民法院关于审理银行卡民事纠纷案件若干问题的规定",
    "担保法解释.md": "最高人民法院关于适用《中华人民共和国担保法》若干问题的解释",
    "公司法时间效力.md": "最高人民法院 关于适用《中华人民共和国公司法》 时间效力的若干规定",
    "时间效力规定.md": "最高人民法院、最高人民检察院关于适用刑事司法解释时间效力问题的规定",
    "国务院组织法.md": "中华人民共和国国务院组织法",
    "担保法.md": "中华人民共和国担保法",
}
BODY = """# {title}

<!-- INFO END -->

第一条 为了正确审理{topic}案件，制定本规定。

第二条 人民法院审理{topic}案件，应当依法进行。

第三条 本规定自公布之日起施行。
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    corpus = tmp_path_factory.mktemp("titles")
    for number, (file, title) in enumerate(TITLES.items()):
        text = BODY.format(title=title, topic=f"第{number}类")
        (corpus / file).write_text(text, encoding="utf-8")
    return Library.load(LibraryPaths(corpus, LEXICON_DIR))


def _answered_from(library: Library, question: str, title: str) -> None:
    answer = library.answer(question)
    assert answer.status == "ok", (question, answer.status, answer.missing)
    assert answer.hits[0].doc_title == title, question


@pytest.mark.parametrize("title", TITLES.values())
def test_the_full_title_names_its_document(library: Library, title: str) -> None:
    _answered_from(library, title, title)
    _answered_from(library, f"{title}第二条", title)
    _answered_from(library, f"《{title}》第2条讲了什么", title)


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("国务院组织法", TITLES["国务院组织法.md"]),
        ("国务院组织法第二条", TITLES["国务院组织法.md"]),
        ("最高人民法院关于适用《担保法》若干问题的解释", TITLES["担保法解释.md"]),
        ("最高人民法院关于适用《担保法》若干问题的解释第二条", TITLES["担保法解释.md"]),
    ],
)
def test_the_title_without_the_state_s_name_names_its_document(
    library: Library, question: str, title: str
) -> None:
    _answered_from(library, question, title)


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("最高人民法院关于适用中华人民共和国担保法若干问题的解释", TITLES["担保法解释.md"]),
        ("最高人民法院关于适用公司法时间效力的若干规定", TITLES["公司法时间效力.md"]),
        ("最高人民法院关于适用《公司法》时间效力的若干规定", TITLES["公司法时间效力.md"]),
    ],
)
def test_marks_and_spaces_in_a_title_do_not_matter(
    library: Library, question: str, title: str
) -> None:
    _answered_from(library, question, title)


def test_a_loaded_law_s_name_with_解释_names_its_interpretation(library: Library) -> None:
    _answered_from(library, "担保法解释第二条", TITLES["担保法解释.md"])
    _answered_from(library, "担保法第二条", TITLES["担保法.md"])


def test_a_loaded_law_s_rules_that_are_not_loaded_are_missing(library: Library) -> None:
    answer = library.answer("担保法实施细则第二条")
    assert answer.status == "not_in_library"
    assert answer.missing == "担保法实施细则"
