"""Rejoining a PDF's lines: page numbers, running headers, indents, wraps and artefacts."""

from __future__ import annotations

import pytest

from retrieval.reading.pdf import (
    Line,
    display_width,
    is_page_number,
    join_lines,
    refill_marks,
    space_articles,
    strip_furniture,
    tidy,
)


def line(text: str, indent: float = 0) -> Line:
    return Line(text, indent, indent + display_width(text))


@pytest.mark.parametrize(
    "text",
    [
        "— 3 —",
        "－ 12 －",
        "- 7 -",
        "3",
        "第3页",
        "第 3 页 共 9 页",
        "3/9",
        "Page 2 of 9",
        "— 三 —",
    ],
)
def test_page_numbers(text: str) -> None:
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["一、总体要求", "2025年", "第三条", "（三）", "1.指导思想。"])
def test_text_is_not_a_page_number(text: str) -> None:
    assert not is_page_number(text)


def test_running_header_and_footer_are_dropped_but_not_body_text() -> None:
    body = [["加强数字政府建设。", "坚持以人民为中心。"], ["坚持数据赋能。", "坚持安全可控。"]]
    pages = [
        [line("国务院公报 2022年第19号"), *map(line, texts), line(f"— {n} —")]
        for n, texts in enumerate(body, 1)
    ]
    kept = strip_furniture(pages)
    assert [[x.text for x in page] for page in kept] == body


FULL = "加强数字政府建设是适应新一轮科技革命和产业变革趋势"  # 25 cells: a full line


def test_wrapped_lines_join_and_indented_lines_start_paragraphs() -> None:
    lines = [
        line("国务院关于加强数字政府建设的指导意见", indent=6),
        line("一、总体要求", indent=2),
        line(FULL[2:], indent=2),
        line(FULL),
        line("是必然要求。"),
        line("（一）发展现状。", indent=2),
        line(FULL[2:], indent=2),
        line("“一网通办”等创新实践不断涌现。"),
    ]
    assert join_lines(lines) == [
        "国务院关于加强数字政府建设的指导意见",
        "一、总体要求",
        FULL[2:] + FULL + "是必然要求。",
        "（一）发展现状。",
        FULL[2:] + "“一网通办”等创新实践不断涌现。",
    ]


def test_an_unindented_article_that_lost_its_space_starts_a_paragraph() -> None:
    ended = FULL[:-1] + "。"  # a sentence that ends at the right margin
    lines = [line(FULL), line(ended), line("第二条本法适用于全国。"), line(FULL), line("续写。")]
    assert join_lines(lines) == [FULL + ended, "第二条本法适用于全国。", FULL + "续写。"]


def test_a_deep_first_line_indent_is_not_a_centred_line() -> None:
    lines = [line(FULL[4:], indent=4), line(FULL), line("是必然要求。"), line(FULL[4:], indent=4)]
    assert join_lines(lines) == [FULL[4:] + FULL + "是必然要求。", FULL[4:]]


def test_a_long_centred_title_is_one_line_again() -> None:
    lines = [
        line("中共中央办公厅 国务院办公厅", indent=6),
        line("关于加快公共数据资源开发利用的意见", indent=4),
        line(FULL[2:], indent=2),
        line(FULL),
    ]
    assert join_lines(lines)[0] == "中共中央办公厅 国务院办公厅关于加快公共数据资源开发利用的意见"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("国 务 院 关 于 印 发", "国务院关于印发"),
        ("⼈⺠政府", "人民政府"),  # Kangxi radicals some converters write
        ("到  2025  年", "到 2025 年"),
        ("中共中央办公厅 国务院办公厅", "中共中央办公厅 国务院办公厅"),
    ],
)
def test_tidy(raw: str, clean: str) -> None:
    assert tidy(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("“ ”统一管理，推动实现 一数一源 ，不断提升", "统一管理，推动实现“一数一源”，不断提升"),
        ("实现 一数一源 ，提升质量和“ ”", "实现“一数一源”，提升质量和"),
        ("“一网通办”等", "“一网通办”等"),
        ("到 2025 年，基本建成“ ”", "到 2025 年，基本建成“ ”"),  # blanks and marks disagree
        ("第五条 宪法第六条修改为：“国家实行社会主义市场经济。”", None),  # a closing mark
        ("“国家 实行社会主义市场经济", None),  # an opening mark
        ("基本 建成 ”", "基本”建成"),  # one mark, set apart
        ("规定的 用于实施诈“", "规定的“用于实施诈"),  # an opening mark cannot end a line
        ("”金。", "金。”"),  # a closing mark drawn before its line, which has no blank
        ("” 金额较大的", None),  # where it goes is unknown
        ("” 骗、传授犯罪方法的网站 ，", "骗、传授犯罪方法的网站”，"),  # a closing one start it
    ],
)
def test_quotation_marks_reported_apart_go_back_into_their_blanks(
    raw: str, clean: str | None
) -> None:
    assert refill_marks(raw) == (raw if clean is None else clean)


def test_a_lost_space_after_an_article_number_is_restored() -> None:
    paragraphs = [
        "第一条为了规范管理，制定本条例。",
        "第二条本条例适用于本市。",
        "第三条规定的事项。",
    ]
    assert space_articles([*paragraphs, "第四条市政府负责。"]) == [
        "第一条　为了规范管理，制定本条例。",
        "第二条　本条例适用于本市。",
        "第三条规定的事项。",  # cites an article
        "第四条　市政府负责。",
    ]
    assert space_articles(paragraphs[:1]) == paragraphs[:1]  # one is not a regulation


def test_a_lost_space_is_restored_before_zhong_and_after_zhiyi() -> None:
    paragraphs = [
        "第一条为了规范管理，制定本法。",
        "第二条中华人民共和国公民在境外犯本法规定之罪的，适用本法。",
        "第二条之一已满十六周岁的人犯罪，应当负刑事责任。",
        "第二条之规定的事项。",  # cites an article
        "第二条中的期限。",  # cites one too
        "第二条中规定的期限。",
        "第三条中央国家机关负责指导。",
        "第四条本法自公布之日起施行。",
    ]
    assert space_articles(paragraphs) == [
        "第一条\u3000为了规范管理，制定本法。",
        "第二条\u3000中华人民共和国公民在境外犯本法规定之罪的，适用本法。",
        "第二条之一\u3000已满十六周岁的人犯罪，应当负刑事责任。",
        "第二条之规定的事项。",
        "第二条中的期限。",
        "第二条中规定的期限。",
        "第三条\u3000中央国家机关负责指导。",
        "第四条\u3000本法自公布之日起施行。",
    ]


def test_a_two_article_law_gets_its_spaces_back_but_two_citations_do_not() -> None:
    law = ["第一条宪法第十一条增加规定。", "第二条宪法第十条第四款修改为。"]
    assert space_articles(law) == [
        "第一条\u3000宪法第十一条增加规定。",
        "第二条\u3000宪法第十条第四款修改为。",
    ]
    cited = ["第五条宪法修改为。", "第九条另有规定。"]
    assert space_articles(cited) == cited  # not 第一条, 第二条: no sequence of one law


def test_a_line_that_opens_a_list_ends_its_paragraph_before_a_numbered_line() -> None:
    opens = FULL[:-1] + "："
    lines = [line(FULL), line(opens), line("一、司法解释自发布之日起施行。"), line("二、本规定。")]
    assert join_lines(lines) == [FULL + opens, "一、司法解释自发布之日起施行。", "二、本规定。"]


def test_a_quoted_numbered_line_starts_a_paragraph() -> None:
    ended = FULL[:-1] + "；"
    lines = [line("“（三）" + ended[3:]), line("“（四）为他人提供担保的；")]
    assert join_lines(lines) == ["“（三）" + ended[3:], "“（四）为他人提供担保的；"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("现役军人居民身份证申领发放办", "法"),
        ("最高人民法院关于适用刑事司", "法解释时间效力问题的规定"),
        ("最高人民法院关于审理融资租赁合同纠纷案件适", "用法律问题的解释"),
    ],
)
def test_a_large_flush_left_title_that_wraps_is_one_line_again(first: str, second: str) -> None:
    lines = [line(first), line(second), line("2007年10月21日公布"), line(FULL), line("施行。")]
    assert join_lines(lines)[:2] == [first + second, "2007年10月21日公布"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("数据安全管理办法", "国务院令第1号"),
        ("中华人民共和国民法典", "婚姻家庭编"),
        ("政策文件汇编 2024年第3期", "关于测试文件格式的通知"),
    ],
)
def test_a_title_and_the_line_after_it_stay_apart(first: str, second: str) -> None:
    lines = [line(first), line(second), line(FULL), line("施行。")]
    assert join_lines(lines)[:2] == [first, second]


def test_blank_lines_between_paragraphs_end_a_paragraph_that_fills_its_last_line() -> None:
    ended = FULL[:-1] + "。"
    lines = [
        line("范围"),
        Line(FULL, 0, 25, gap=True),
        line(FULL),
        line(FULL),
        line("鉴定的原则。"),
        Line(FULL, 0, 25, gap=True),
        line(ended),  # fills the line: only the blank after it ends the paragraph
        Line("引用文件", 0, 4, gap=True),
        Line("本标准引用下列文件。", 0, 10, gap=True),
        Line("术语定义", 0, 4, gap=True),
        Line(ended, 0, 25, gap=True),  # paragraphs of one full line: a third of all full
        Line(ended, 0, 25, gap=True),
        Line("鉴定原则", 0, 4, gap=True),
    ]
    assert join_lines(lines) == [
        "范围",
        FULL * 3 + "鉴定的原则。",
        FULL + ended,
        "引用文件",
        "本标准引用下列文件。",
        "术语定义",
        ended,
        ended,
        "鉴定原则",
    ]


def test_a_stray_blank_line_inside_a_paragraph_does_not_split_it() -> None:
    lines = [line(FULL), Line(FULL, 0, 25, gap=True), line("是必然要求。"), line(FULL)]
    lines += [line(FULL), line("续写。"), line(FULL), line("再续。"), line("完。")]
    assert join_lines(lines)[0] == FULL + FULL + "是必然要求。"
