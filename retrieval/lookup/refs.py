"""Parse clause references: 数字政府 二（三）, 数据二十条第十条, 公共数据意见(5), 数字政府 2.3 …"""

from __future__ import annotations

import re
from typing import Literal, NewType

from retrieval.documents.numbering import NUM, cn_to_int
from retrieval.model import ClauseRef
from retrieval.words.normalize import Folded

# A folded question without polite openers and "what does it say" ends: what references,
# headings and bare document names are read from.
Cleaned = NewType("Cleaned", Folded)
# The shapes a reference is written in, tried in the order of _FORMS.
RefForm = Literal[
    "part_numbered",
    "chapter_section",
    "dotted",
    "section",
    "numbered",
    "paragraph",
    "chapter",
    "chapter_only",
    "bare",
]

_CN_DIGITS = "一二三四五六七八九十"
_CN = rf"[{_CN_DIGITS}]+"
_ASK = re.compile(
    r"(?:讲了什么|说了什么|讲的是什么|说的是什么|是什么|讲什么|说什么|写了什么|写的什么|的内容|内容"
    r"|原文|全文|怎么说的?|怎么规定的?|怎么写的?|规定了什么|有哪些内容|什么意思|啥意思"
    r"|[讲说写]了?的?是?啥|是啥)$"
)
_POLITE = re.compile(
    r"^(?:那么|那|还有|再看|请问|请|查一下|查查|查询|查|看看|看一下|给我看看?|显示|打开"
    r"|what (?:does|do|is in|says?)\s+|show(?: me)?\s+|read\s+)"
)
# English asks after a reference: "What does Article 12 of the Labor Law say?"
_ASK_EN = re.compile(r"\s+(?:say|says|provide|provides|state|states|stipulate|read|mean)$")
_TRAILER = re.compile(r"[\s?？。!！,，、：:呢吗啊呀嘞]+$")

# Each pattern is matched against the tail of the text; what precedes it is the document hint.
# 第 may be left out where a space sets the number off: 数据二十条 九条, 数字政府 七部分(二).
_DI = r"(?:第|(?<=\s))"
# 第 may also be left out right after a law's name: 劳动合同法13条, 刑法二十条.
_DI_ARTICLE = r"(?:第|(?<=\s)|(?<=[法例定则释程度])|^(?=\d))"
# 之一 after an article number; a 款 or 项 after it narrows to the article that holds it.
_ARTICLE = rf"{_DI_ARTICLE}({NUM})条(?:之({_CN}))?(?:第?(?:{NUM})[款项])*"
# English: "Article 12 of the Labor Contract Law", "Labor Contract Law Article 12", "Art. 12".
_EN_OF = re.compile(r"^(?:the\s+)?(?:article|art\.?)\s*(\d{1,4})\s+of\s+(?:the\s+)?(.+)$")
_EN_AFTER = re.compile(r"^(?:the\s+)?(.+?)[\s,，]*(?:article|art\.?)\s*(\d{1,4})$")
_FORMS: tuple[tuple[RefForm, re.Pattern[str]], ...] = (
    ("part_numbered", re.compile(rf"{_DI}({NUM})(?:部分|章)\s*的?第?({NUM})(?:条|节|项|点)$")),
    (
        "chapter_section",
        re.compile(
            rf"(?:{_DI}({NUM})(?:部分|章)|({_CN})[、.]?)\s*的?\s*\(({NUM})\)"
            rf"\s*(?:(\d{{1,2}})[.．、]?|第({NUM})项)?$"
        ),
    ),
    ("dotted", re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})(?:\.(\d{1,2}))?$")),
    ("section", re.compile(rf"\(({NUM})\)\s*(?:(\d{{1,2}})[.．、]?)?$")),
    ("numbered", re.compile(rf"{_ARTICLE}$")),
    ("paragraph", re.compile(rf"第({NUM})段$")),
    ("chapter", re.compile(rf"{_DI}({NUM})(?:部分|章)$")),
    ("chapter_only", re.compile(rf"(?<![\u4e00-\u9fff])({_CN})、$")),
    # A bare number after a document name: 数据20条 十九, 数据二十条十二 (needs the name).
    (
        "bare",
        re.compile(rf"(?:(?<=\s)|(?<=[条见案例法定知则]))([{_CN_DIGITS}]{{1,4}}|\d{{1,3}})$"),
    ),
)
_NUMBER_SPACES = re.compile(r"(?<=第)\s+|\s+(?=[条章节项段]|部分)")
_HINT_NOISE = re.compile(r"^[\s的之]+|[\s的之中里内]+$")


def _num(text: str | None) -> int | None:
    return cn_to_int(text) if text else None


def clean_query(folded: Folded) -> Cleaned:
    """Drop a folded question's polite openers and 'what does it say' ends."""
    text: str = _NUMBER_SPACES.sub("", folded.strip())
    text = _TRAILER.sub("", text)
    text = _POLITE.sub("", text)
    for _ in range(2):
        text = _TRAILER.sub("", _ASK_EN.sub("", _ASK.sub("", text)))
    return Cleaned(Folded(text.strip()))


def parse_ref(text: Cleaned) -> ClauseRef | None:
    """A ClauseRef when the cleaned question is a clause reference (with an optional
    document name)."""
    if not text or len(text) > 80:
        return None
    english = _english(text)
    if english is not None:
        return english
    for form, pattern in _FORMS:
        match = pattern.search(text)
        if not match:
            continue
        hint = Folded(_HINT_NOISE.sub("", text[: match.start()]).strip("《》 "))
        if form == "bare" and not hint:
            continue
        ref = _build(form, match.groups(), hint)
        if ref is not None:
            return ref
    return None


def _english(text: Cleaned) -> ClauseRef | None:
    """An English article reference, the document named before or after the number."""
    match = _EN_OF.match(text)
    if match:
        hint = Folded(match.group(2).strip(" ,.?"))
        return ClauseRef(hint, numbered=int(match.group(1)) or None)
    match = _EN_AFTER.match(text)
    if match and re.search(r"[a-z]", match.group(1)):
        hint = Folded(match.group(1).strip(" ,.?"))
        return ClauseRef(hint, numbered=int(match.group(2)) or None)
    return None


def _build(form: RefForm, groups: tuple[str | None, ...], hint: Folded) -> ClauseRef | None:
    numbers = [_num(g) for g in groups]
    if any(n == 0 for n in numbers if n is not None):
        return None
    if form == "part_numbered":
        return ClauseRef(hint, chapter=numbers[0], numbered=numbers[1])
    if form == "chapter_section":
        chapter = numbers[0] if numbers[0] is not None else numbers[1]
        item = numbers[3] if numbers[3] is not None else numbers[4]
        return ClauseRef(hint, chapter=chapter, section=numbers[2], item=item)
    if form == "dotted":
        return ClauseRef(hint, chapter=numbers[0], section=numbers[1], item=numbers[2])
    if form == "section":
        return ClauseRef(hint, section=numbers[0], item=numbers[1])
    if form == "numbered":
        return ClauseRef(hint, numbered=numbers[0], sub=numbers[1])
    if form == "bare":
        return ClauseRef(hint, numbered=numbers[0])
    if form == "paragraph":
        return ClauseRef(hint, paragraph=numbers[0])
    return ClauseRef(hint, chapter=numbers[0])
