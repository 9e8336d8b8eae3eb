"""What a question asks for and whether a clause states it, read from one table."""

from __future__ import annotations

import pytest

from retrieval.library import Library
from retrieval.question.asks import defines, read, states


@pytest.mark.parametrize(
    ("kind", "question", "stating", "silent"),
    [
        ("amount", "办一张居住证要交多少钱", "每证收取工本费20元", "完善经费保障机制"),
        ("day", "这个办法是哪一天公布的", "自2017年10月1日起施行", "到2025年基本建成"),
        ("date", "失信记录多久以后就查不到了", "查询期限为五年", "依法依规查询信息"),
        ("count", "全国一共有几个省设了数据局", "28个省组建了数据管理机构", "推进机构改革"),
        ("person", "专家委员会的主任是哪位", "由某某同志担任主任", "成立数字政府建设专家委员会"),
        ("who", "个人信息泄露了由谁负责", "由市经济信息化部门负责", "加强数据安全保护"),
        ("rank", "哪个城市的网上办事排第一", "政务服务指数位居全国前列", "提升政务服务水平"),
        ("region", "哪个省最早成立了大数据局", "浙江省率先设立数据管理机构", "加强统筹协调"),
        ("place", "信用报告去哪里打印", "在市公共信用信息服务中心查询窗口", "信息主体可以查询"),
        ("contact", "投诉热线电话是多少", "拨打12345政务服务便民热线", "建立投诉渠道"),
    ],
)
def test_each_fact_kind_is_asked_and_stated(
    kind: str, question: str, stating: str, silent: str
) -> None:
    assert read(question).kind == kind
    assert states(kind, stating)
    assert not states(kind, silent)


@pytest.mark.parametrize(
    ("kind", "question"),
    [
        ("list", "公共信用信息包括哪些内容"),
        ("definition", "信用服务机构是什么意思"),
        ("why", "为什么要建立失信惩戒制度"),
        ("procedure", "信用信息有错误怎么申请更正"),
    ],
)
def test_kinds_any_clause_may_answer(kind: str, question: str) -> None:
    assert read(question).kind == kind
    assert states(kind, "本市建立健全社会信用体系")


def test_no_kind_is_read_into_a_plain_question() -> None:
    assert read("公共数据开放要遵循什么原则").kind == ""


# The misfires each of these was written for.


@pytest.mark.parametrize(
    "question",
    [
        "上了失信名单的人能不能坐高铁",
        "不管是谁都能查我的信用报告吗",
        "路上的钉子查不到是谁撒的，物业是否应当赔偿",
        "Can someone who is on the blacklist still take a plane?",
    ],
)
def test_a_who_word_in_a_yes_no_question_asks_no_name(question: str) -> None:
    assert read(question).kind not in ("person", "who")


@pytest.mark.parametrize(
    "question", ["有哪几种情形可以不公开", "哪几个部门负责信用监管", "失信行为有哪些情形"]
)
def test_which_ones_is_a_list_not_a_count(question: str) -> None:
    assert read(question).kind == "list"


@pytest.mark.parametrize(
    "question",
    ["中央财政今年拨了多少亿", "违规的最多罚多少万元", "最低工资是多少", "公务员的工资有多高"],
)
def test_sums_in_yi_and_wan_and_salaries_are_amounts(question: str) -> None:
    assert read(question).kind == "amount"


def test_ten_thousands_of_people_are_not_an_amount() -> None:
    assert read("有几万人参加了培训").kind != "amount"


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("安排专项资金3.5亿", True),
        ("累计投入二十亿元", True),
        ("按照最低工资标准执行", True),
        ("处违法所得一倍以上三倍以下罚款", True),
        ("千万不要轻信", False),
        ("覆盖1亿人口", False),
    ],
)
def test_sums_in_yi_and_wan_are_stated_amounts(text: str, stated: bool) -> None:
    assert states("amount", text) is stated


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("社保卡在哪里办", "place"),
        ("在哪儿可以查到自己的信用记录", "place"),
        ("哪个省先试点", "region"),
    ],
)
def test_where_questions_are_checked_against_a_place(question: str, kind: str) -> None:
    assert read(question).kind == kind


def test_how_to_handle_and_which_exist_are_not_where() -> None:
    assert read("信用信息有异议的如何处理").kind != "place"
    assert read("信用修复存在哪些限制").kind != "place"


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("社会信用是什么意思", ("社会信用",)),
        ("信用服务机构指什么", ("信用服务机构",)),
        ("What does data element mean?", ("data element",)),
    ],
)
def test_what_does_it_mean_is_not_a_content_word(
    library: Library, question: str, words: tuple[str, ...]
) -> None:
    query, _ = library.prepare(question)
    assert query.wants_definition
    assert query.words == words


def test_a_question_that_is_only_asking_keeps_its_words() -> None:
    assert read("是什么意思").plain("是什么意思") == "是什么意思"


def test_the_defining_sentence_beats_a_longer_term_defined() -> None:
    exact = "本条例所称社会信用，是指信息主体遵守法定义务或者履行约定义务的状态。"
    longer = "本条例所称社会信用信息分为公共信用信息和市场信用信息。"
    assert defines(exact, ["社会信用"]) > defines(longer, ["社会信用"]) > 0
    assert defines("加强社会信用体系建设", ["社会信用"]) == 0
