"""What a question asks for, read from one table: the phrases that ask each kind of fact, the
phrases a clause states it with, and the questions that only look like asking it.

A question that wants a figure, a date, a name or a place is only answered by a clause stating
one (拨了多少钱, 哪一天施行, 主任是哪位, 在哪里办); list, definition, why and procedure questions
are told apart so that they are not mistaken for those, and the phrases that only ask
(是什么意思, 指什么, what does … mean) are not read as the question's content words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

# The kinds of fact a question may ask for, one per row of KINDS below.
AskKind = Literal[
    "amount",
    "day",
    "date",
    "count",
    "person",
    "who",
    "rank",
    "contact",
    "region",
    "place",
    "list",
    "definition",
    "why",
    "procedure",
]
ASK_KINDS: tuple[AskKind, ...] = get_args(AskKind)

# Measure words after 几/多少 that count things, not money (几万人 is a crowd, not an amount).
_COUNTED = "个家项所条位名只次种类户人件年天批"
_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|"
    "湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
# Who-words that ask nobody's name: 谁都能查, 不管是谁 (anyone); 不知道是谁扔的 (an unknown
# party, told not asked); and any who-word when the question ends asking yes or no
# (…的人能不能…, 是谁倾倒的…是否应当承担, can someone who is … still …?).
_NOBODY = (
    r"谁都|谁也|任何人|不管是谁|无论是谁|不论是谁|\banyone\b|\bwhoever\b"
    r"|(?:不知道?|无法确定|不能确定|不清楚|不确定|查不[到出]|找不到|不晓得)是谁"
    r"|(?:是否|能否|能不能|可不可以|可否|会不会|要不要|应不应该?|该不该|是不是|有没有)"
    r"[^，,。；;？?]*[？?]?\s*$|吗[？?]?\s*$"
    r"|^\s*(?:can|could|may|must|should|is|are|do|does|will|would)\b"
)


_LATIN = re.compile(r"[a-z]")


class Pattern:
    """A regular expression compiled when first used: a question reads a few of the table's
    43 (the English ones on Latin text only, a clause's for the kind asked), and compiling
    them all took ~20 ms of each start."""

    __slots__ = ("_compiled", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled expression."""
        if self._compiled is None:
            self._compiled = re.compile(self.source)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        """`re.Pattern.search`."""
        return self.compiled.search(text)

    def sub(self, replacement: str, text: str) -> str:
        """`re.Pattern.sub`."""
        return self.compiled.sub(replacement, text)


@dataclass(frozen=True, slots=True)
class Phrases:
    """Chinese and English phrases that ask a kind; the English ones are tried only on text
    with Latin letters (word-boundary alternations cost ten times the Chinese ones)."""

    chinese: Pattern
    english: Pattern | None

    def search(self, text: str, latin: bool) -> bool:
        """Whether the (folded) text holds one of the phrases."""
        found = self.chinese.search(text) or (latin and self.english and self.english.search(text))
        return bool(found)


def _asks(chinese: str, english: str = "") -> Phrases:
    return Phrases(Pattern(chinese), Pattern(english) if english else None)


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of question: how it is asked, how a clause states the answer, what is not it."""

    name: AskKind
    asks: Phrases
    # A clause answering it must match; None: any clause may (lists, reasons, procedures).
    states: Pattern | None = None
    unless: Pattern | None = None  # a question matching this does not ask it
    asking: Pattern | None = None  # phrases that only ask: not content words


def _re(pattern: str) -> Pattern:
    return Pattern(pattern)


# In order of precedence: a question asks for the first kind it matches.
KINDS: tuple[Kind, ...] = (
    Kind(
        "amount",
        asks=_asks(
            r"多少(?:[万亿千百]|万元|亿元)?[钱元块费]|多少[万亿](?![" + _COUNTED + r"])"
            r"|[收罚交花拨扣补赔奖付].{0,2}多少(?![" + _COUNTED + r"])"
            r"|(?:工资|薪水|薪资|薪酬|月薪|年薪|收入|报酬|价格|价钱|票价|费用|收费|金额|资金|经费"
            r"|投资|补贴|补助|奖金|奖励|罚款|罚金|赔偿|税率|税款).{0,6}(?:多少|多高|几成)"
            r"(?![" + _COUNTED + r"])"
            r"|几块|几[万千百亿](?:块|元|钱)|几[万亿](?![" + _COUNTED + r"])",
            r"\bhow much (?:money|is|does it cost|are)\b|\bfees?\b|\b(?:salary|wages?|price)\b",
        ),
        states=_re(
            r"\d[\d.,]*\s*(?:[万亿千]|万亿)?元|[一二三四五六七八九十百千万亿两]+元"
            r"|\d[\d.,]*\s*[万亿](?![年人户家个次项])"
            r"|[一二三四五六七八九十两][一二三四五六七八九十百千两]*[万亿](?![年人户家个次项])"
            r"|\d[\d.]*\s*%|百分之|倍以[上下]|(?:费用?|工资|收费|价格|补贴|补助)标准|最低工资"
        ),
    ),
    Kind(
        "day",
        asks=_asks(r"哪一?天|几月几[号日]|几号", r"\bwhat date\b|\bwhich day\b"),
        states=_re(
            r"\d{1,2}\s*月\s*\d{1,2}\s*日|[一二三四五六七八九十]+月[一二三四五六七八九十]+日"
        ),
    ),
    Kind(
        "date",
        asks=_asks(
            r"什么时候|何时|哪一年|哪年|多久|多长时间",
            r"^\s*when\b|\bwhen (?:did|was|were|will|is|does|do)\b|\bhow long\b",
        ),
        states=_re(
            r"\d{4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日|[一二三四五六七八九十]+月"
            r"|[\d一二三四五六七八九十百两]+\s*个?(?:工作日|天|日内|日|月|年|小时)"
        ),
    ),
    # 好几个/十几家/这几个 are quantities in passing; 哪几个 asks which ones, not how many.
    Kind(
        "count",
        asks=_asks(
            r"多少[个家项所条位名只次种类户分]|(?<![好十这那哪])几[个家项所条位名省年只次种类户](?!十)"
            r"",
            r"\bhow many\b|\bhow much\b",
        ),
        asking=_re(r"多少[个家项所条位名只次种类户]|几[个家项所条位名只次种类户]"),
        # 28个省, 七方面, 三融五跨: a number before a measure word or a noun.
        states=_re(
            r"\d+|[一二三四五六七八九十百两]+(?:个|项|家|方面|类|条|位|省|名|年|次)"
            r"|[二三四五六七八九十]+[\u4e00-\u9fff]"
        ),
    ),
    Kind(
        "person",
        asks=_asks(
            r"哪位|是谁|谁是|叫什么名字", r"^\s*who (?:is|was) (?:the )?(?!responsible|in charge)"
        ),
        states=_re(r"同志|总书记|主席|总理|院长|部长|主任|局长|书记|教授"),
        unless=_re(_NOBODY),
    ),
    # 谁负责, 由谁审批, 哪个部门管: answered by a body (or an office holder), not any clause.
    Kind(
        "who",
        asks=_asks(
            r"谁来?(?:负责|管|主管|监管|审批|批准|认定|承担|牵头|组织|制定|发布|受理|处理|处罚|监督)"
            r"|由谁|归谁|哪个(?:部门|机构|单位|机关)|哪一?级(?:部门|政府)|什么(?:部门|机构|单位|机关)",
            r"\bwho (?:is|are) (?:responsible|in charge)\b"
            r"|\bwhich (?:department|agency|authority|body|ministry|office)\b"
            r"|\bwho (?:approves|decides|manages|regulates|supervises|enforces|handles)\b",
        ),
        states=_re(
            r"部门|机关|机构|委员会|政府|[局厅署委办]|中心|单位|主体|法院|检察院|负责|牵头|主管"
            r"|同志|主席|总理|院长|部长|主任|局长|书记"
            r"|[人者方]"  # a party the law names: 侵权人, 污染者, 出租方
        ),
        unless=_re(_NOBODY),
    ),
    # 哪个省排第一, 排名前十的城市, which province ranks first: only a stated ranking answers.
    Kind(
        "rank",
        asks=_asks(
            r"排名|排第几|排在?第|排前|哪[个些一]?.{0,4}(?:省|市|城市|地区|国家|部门).{0,8}(?:最[好强高]|第一)",
            r"\branks?(?:ed)? (?:first|top|highest|best)\b|\branking\b|\btop[- ]ranked\b",
        ),
        states=_re(r"排名|排行|名列|位居|第\s*[\d一二三四五六七八九十]+\s*位|前列"),
    ),
    # A phone number, a website or an address is only answered by a clause that gives one.
    Kind(
        "contact",
        asks=_asks(
            r"电话|热线号码|联系方式|网址|官网|邮箱|地址在哪|办公地点",
            r"\bphone\b|\bwebsite\b|\be-?mail\b",
        ),
        states=_re(r"\d{3,4}-\d{7,8}|(?<!\d)\d{5,}(?!\d)|https?://|www\.|@\w|[路街]\d+号"),
    ),
    # 哪个省先试点, 在哪个城市: a named province or city answers.
    Kind(
        "region",
        asks=_asks(
            r"哪[个些一]?(?:个)?(?:省|市|城市|地区|地方政府|自治区|县)",
            r"\bwhich (?:provinces?|cities|city|regions?)\b",
        ),
        states=_re(
            _PROVINCES + r"|[\u4e00-\u9fff]{2}(?:省|自治区)|各省|省份"
            r"|[\u4e00-\u9fff]{2}市(?![场民级域])|地区|区域|城市"
        ),
    ),
    # 在哪里办, 去哪儿申请, where do I apply: an office, a hall, a platform or a website answers.
    Kind(
        "place",
        # 如何处理 and 存在哪些 only look like 何处 and 在哪.
        asks=_asks(
            r"哪里|哪儿|(?<!如)何处|什么地方|(?<![存现实])在哪(?![些几])|去哪|到哪", r"\bwhere\b"
        ),
        states=_re(
            r"部门|机关|机构|中心|大厅|窗口|场所|地点|平台|网站|网上|线上|在线|客户端|热线"
            r"|所在地|住所地|户籍地|当地|[省市县区乡镇]|街道|社区|村|https?://|www\."
        ),
    ),
    # 有哪些情形, 哪几类, which ones: a list, never a count.
    Kind(
        "list",
        asks=_asks(
            r"哪些|哪几|有什么(?:情形|情况|条件|要求|措施|方式|渠道|规定|内容|权利|义务)"
            r"|包括什么|包括哪",
            r"\bwhich (?:ones|kinds?|types?)\b|\bwhat (?:kinds?|types?) of\b",
        ),
        asking=_re(r"哪几[个家项所条位名种类方面]|哪几"),
    ),
    # 什么是X, X是指什么, X的定义: laws answer these in one sentence (本条例所称X，是指…).
    Kind(
        "definition",
        asks=_asks(
            r"什么是|是指什么|指的是什么|指什么|是什么意思|什么意思|的定义|的含义|怎么定义|如何定义"
            r"|怎么理解|如何理解",
            r"\bwhat (?:is|are|does) (?:an? |the )?\w+(?: \w+)? mean\b"
            r"|\bdefin(?:e|ition)\b|\bmeaning of\b",
        ),
        asking=_re(
            r"是什么意思|什么意思|是指什么|指的是什么|指什么|什么是|是什么|的定义|的含义|含义"
            r"|怎么定义|如何定义|怎么理解|如何理解"
            r"|\bmean(?:s|ing)?\b|\bdefin(?:e|ed|ition)\b"
        ),
    ),
    Kind("why", asks=_asks(r"为什么|为何|为啥|什么原因|原因是什么|目的是什么", r"\bwhy\b")),
    Kind(
        "procedure",
        asks=_asks(
            r"(?:怎么|怎样|如何)(?:办理?|申请|登记|报名|办证|领取|投诉|举报|查询|提交|备案)"
            r"|流程|手续|步骤|要带什么|需要什么材料",
            r"\bhow (?:do|can|should) (?:i|we|you) (?:apply|register|get|file)\b",
        ),
    ),
)
_BY_NAME = {kind.name: kind for kind in KINDS}


def compile_all() -> None:
    """Compile every pattern of the table now, for a process answering many questions: the
    first question of a kind would otherwise wait for its patterns."""
    for kind in KINDS:
        for pattern in (
            kind.asks.chinese,
            kind.asks.english,
            kind.states,
            kind.unless,
            kind.asking,
        ):
            if pattern is not None:
                _ = pattern.compiled


@dataclass(frozen=True, slots=True)
class Asked:
    """The kind a question asks for first ("" for none) and every kind it matches."""

    kind: AskKind | Literal[""]
    kinds: tuple[AskKind, ...]

    @property
    def definition(self) -> bool:
        """Whether it asks what a term means (whatever else it asks)."""
        return "definition" in self.kinds

    def plain(self, text: str) -> str:
        """The question without the phrases that only ask (是什么意思, mean); as is if empty."""
        for name in self.kinds:
            asking = _BY_NAME[name].asking
            if asking is not None:
                text = asking.sub(" ", text) if re.search(r"\w", asking.sub("", text)) else text
        return text


def read(text: str) -> Asked:
    """What a (folded) question asks for, by the table above."""
    latin = bool(_LATIN.search(text))
    kinds = tuple(
        kind.name
        for kind in KINDS
        if kind.asks.search(text, latin)
        and not (kind.unless is not None and kind.unless.search(text))
    )
    return Asked(kinds[0] if kinds else "", kinds)


def states(kind: AskKind, text: str) -> bool:
    """Whether a clause states what a question of this kind asks for (any clause: no pattern)."""
    entry = _BY_NAME.get(kind)
    return entry is None or entry.states is None or bool(entry.states.search(text))


def defines(text: str, words: Sequence[str]) -> int:
    """How squarely a clause defines one of the words: 2 for X是指 / 所称X，是指, 1 for a
    definition of something longer (所称X信息分为…), 0 for none."""
    best = 0
    for word in words:
        if len(word) < 2 or word not in text:
            continue
        if re.search(re.escape(word) + r"[，,]?\s*是指", text):
            return 2
        if f"所称{word}" in text:
            best = 1
    return best
