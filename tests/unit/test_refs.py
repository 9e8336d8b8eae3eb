"""Every reference form of DESIGN.md resolves to the right clause, or to not_found."""

from __future__ import annotations

import pytest

from retrieval.documents.numbering import cn_to_int, int_to_cn
from retrieval.library import Library
from retrieval.lookup.clauses import nearest
from retrieval.lookup.refs import clean_query, parse_ref
from retrieval.words.normalize import fold_for_search


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("一", 1),
        ("十", 10),
        ("十七", 17),
        ("二十", 20),
        ("二十一", 21),
        ("九百九十九", 999),
        ("一百零八", 108),
        ("两", 2),
        ("36", 36),
    ],
)
def test_chinese_numerals(text: str, number: int) -> None:
    assert cn_to_int(text) == number
    if not text.isdigit() and text != "两":
        assert int_to_cn(number) == text


@pytest.mark.parametrize(
    ("text", "number"),
    [("一〇八", 108), ("二〇二二", 2022), ("三〇", 30), ("二零二四", 2024), ("一零八", 108)],
)
def test_numerals_written_digit_by_digit(text: str, number: int) -> None:
    assert cn_to_int(text) == number


@pytest.mark.parametrize(
    ("text", "number"), [("一万", 10_000), ("三亿五千万", 350_000_000), ("十二万零五百", 120_500)]
)
def test_numerals_with_wan_and_yi(text: str, number: int) -> None:
    assert cn_to_int(text) == number


@pytest.mark.parametrize(
    ("ref", "doc_id", "label"),
    [
        ("数字政府 二（三）", "digital_gov", "二、（三）"),
        ("数字政府指导意见第二部分第三条", "digital_gov", "二、（三）"),
        ("数字政府 2.3", "digital_gov", "二、（三）"),
        ("数据二十条第十条", "data20", "（十）"),
        ("数据二十条 （十）", "data20", "（十）"),
        ("数据二十条 (10)", "data20", "（十）"),
        ("公共数据意见(5)", "public_data", "（五）"),
        ("总体要求 主要目标", "digital_gov", "一、（二）3."),
        ("数字政府 一、（二）2.", "digital_gov", "一、（二）2."),
        ("数据流通安全治理实施方案 二（一）", "data_circulation", "二、（一）"),
        ("《数据二十条》第十二条讲了什么？", "data20", "（十二）"),
        ("数字政府 第三部分", "digital_gov", "三、"),
        # Users' variants (issue 9): 部分（…）, a bare number after a name, 啥-endings,
        # spaces, half-width brackets, traditional characters, words inserted in a name.
        ("数字政府建设指导意见第七部分（三）", "digital_gov", "七、（三）"),
        ("数字政府建设意见第七部分（二）讲的啥", "digital_gov", "七、（二）"),
        ("数字政府 七部分(二)", "digital_gov", "七、（二）"),
        ("数据要素二十条 十二", "data20", "（十二）"),
        ("数据20条 十九", "data20", "（十九）"),
        ("数据二十条十二", "data20", "（十二）"),
        ("数据二十条 第九条讲的啥", "data20", "（九）"),
        ("数据二十条 第 九 条", "data20", "（九）"),
        ("数据二十条 九条说了啥", "data20", "（九）"),
        ("數據二十條第十條", "data20", "（十）"),
        ("公共数据资源开发利用意见（十四）讲的啥", "public_data", "（十四）"),
        ("数据二十条第五部分说了啥", "data20", "五、"),
        ("数字政府 八(三)是什么", "digital_gov", "八、（三）"),
    ],
)
def test_reference_forms(library: Library, ref: str, doc_id: str, label: str) -> None:
    answer = library.answer(ref)
    assert answer.mode == "lookup"
    assert answer.status == "ok"
    assert (answer.hits[0].clause.doc_id, answer.hits[0].clause.label) == (doc_id, label)


@pytest.mark.parametrize(
    "ref",
    [
        "数据二十条第二十一条",
        "数字政府 3.5",
        "第九百九十九条",
        "数字政府 二（三十）",
    ],
)
def test_missing_numbers_are_not_found_with_nearest(library: Library, ref: str) -> None:
    answer = library.answer(ref)
    assert answer.status == "not_found"
    assert not answer.hits
    assert answer.suggestions


def test_nearest_sections_stay_in_the_same_chapter(library: Library) -> None:
    answer = library.answer("数字政府 3.5")
    assert [h.clause.label for h in answer.suggestions][-1] == "三、（四）"
    assert all(h.clause.label.startswith("三、") for h in answer.suggestions)


@pytest.mark.parametrize(
    "ref",
    [
        "第九百九十九条",
        "第二十一条",
        "第十二章",
        "第三章第九十条",
        "（三十）",
        "第二部分（三十）",
        "3.9",
    ],
)
def test_nearest_through_the_number_index_equals_a_scan_of_the_document(
    library_with_regulation: Library, ref: str
) -> None:
    parsed = parse_ref(clean_query(fold_for_search(ref)))
    assert parsed is not None
    for doc in library_with_regulation.documents:
        assert library_with_regulation.numbers.nearest(doc, parsed) == nearest(doc, parsed)


def test_bare_number_in_several_documents_lists_them(library: Library) -> None:
    answer = library.answer("第十条")
    assert answer.note == "ambiguous"
    assert {h.clause.doc_id for h in answer.hits} == {"data20", "public_data"}


def test_bare_article_uses_the_only_document_that_has_it(library_with_regulation: Library) -> None:
    answer = library_with_regulation.answer("第三十六条")
    assert [(h.clause.label, h.clause.doc_id) for h in answer.hits] == [
        ("第三十六条", "sh_credit")
    ]


def test_regulation_article_by_name(library_with_regulation: Library) -> None:
    answer = library_with_regulation.answer("上海市社会信用条例第三十六条")
    assert answer.hits[0].clause.text.startswith("信息主体认为社会信用信息")


def test_chat_context_picks_the_document(library: Library) -> None:
    answer = library.answer("第三条", context_doc="public_data")
    assert (answer.hits[0].clause.doc_id, answer.hits[0].clause.label) == ("public_data", "（三）")


def test_section_alone_is_ambiguous_in_a_restarting_document(library: Library) -> None:
    answer = library.answer("数字政府 (三)")
    assert answer.status == "not_found"
    assert {h.clause.label for h in answer.suggestions} >= {"二、（三）", "三、（三）"}


@pytest.mark.parametrize("text", ["数据安全怎么管", "2025年的目标是什么", "我想问问2.3"])
def test_questions_are_not_references(library: Library, text: str) -> None:
    assert library.answer(text).mode == "search"
