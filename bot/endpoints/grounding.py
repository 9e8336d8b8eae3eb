"""Does a summary say only what its quoted clauses say? Numbers, figures and quotes checked.

A civil servant cites what the bot shows: a section number, a fine or a quoted phrase that is
not in the clauses is worse than no summary, so any of them drops the whole summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.documents.numbering import CN_SCALES, cn_to_int
from retrieval.model import Hit
from retrieval.words.normalize import fold_for_search, fold_layout

MAX_SUMMARY_CHARS = 600  # a summary is 2–4 sentences; anything longer is cut at a sentence
_CN_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
_REFERENCE = re.compile(rf"第([{_CN_NUMERAL}\d]+)(条|章|节|款|项|编|部分|段)")
# 九十九条 without 第 is still an article number; 两项 or 三条措施 are counts, read as figures.
_BARE_REFERENCE = re.compile(rf"(?<!第)([{_CN_NUMERAL}\d]+)(条|款|项)")
_CITATION = re.compile(r"\[\d+\]")
_ARABIC = re.compile(r"(\d+(?:\.\d+)?)\s*([万亿]?)")
# Chinese numerals count as a figure before a unit or a measure word (十五个工作日, 三个月),
# or when they carry a scale (一亿, 一百万 with no unit after them): 统一 or 一体化 are words.
_CN_FIGURE = re.compile(
    rf"([{_CN_NUMERAL}]+)(?=元|年|月|日|天|周|小时|分钟|人|次|倍|项|条|款|家|名|岁|%|％|成|公里"
    r"|米|吨|亩|户|所|座|台|份|件|批|个)"
)
_CN_SCALED = re.compile(rf"[{_CN_NUMERAL}]*[十百千万亿][{_CN_NUMERAL}]*")
# Everyday words made of numeral characters, which state no figure.
_NUMERAL_WORDS = re.compile(
    "十分|十足|千万|万一|万物|万全|万众|百姓|千方百计|成千上万|千家万户|一一"
)
# A number with its unit is one fact: 三个月 is not grounded by a 三 somewhere in the clause.
_QUANTITY = re.compile(
    rf"([{_CN_NUMERAL}\d.]+)\s*个?\s*(工作日|日|天|周|月|年|小时|分钟|元|万元|亿元|人|次|倍)"
)
_UNIT_OF = {"天": ("日", 1.0), "万元": ("元", 1e4), "亿元": ("元", 1e8)}
_PERCENT = re.compile(rf"百分之([{_CN_NUMERAL}\d.]+)")
_QUOTES = re.compile(
    r"“([^”]{2,})”|\"([^\"]{2,})\"|‘([^’]{2,})’|「([^」]{2,})」|『([^』]{2,})』|【([^】]{2,})】"
    r"|〔([^〕]{2,})〕"
)
_TITLE = re.compile(r"《([^》]{2,})》")
_SENTENCE_END = re.compile(r"[。！？；]")


def cn_value(text: str) -> float | None:
    """The value of a Chinese numeral with 万 and 亿 (一亿 → 1e8, 三亿五千万 → 3.5e8)."""
    value = cn_to_int(text)
    return None if value is None else float(value)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return cn_value(text)


def _figures(text: str, loose: bool) -> set[float]:
    """Numbers stated in a text; `loose` also reads numerals that stand before no unit."""
    found: set[float] = set()
    for digits, scale in _ARABIC.findall(text):
        value = float(digits)
        found.add(value * CN_SCALES[scale] if scale else value)
        found.add(value)  # 1亿 also states 1, so a summary's "1亿" matches either way
    if loose:
        numerals = [m.group() for m in re.finditer(rf"[{_CN_NUMERAL}]+", text)]
    else:
        text = _NUMERAL_WORDS.sub("", text)
        numerals = [m.group(1) for m in _CN_FIGURE.finditer(text)]
        numerals += [m.group() for m in _CN_SCALED.finditer(text)]
    for numeral in numerals:
        if (read := cn_value(numeral)) is not None:
            found.add(read)
    for share in _PERCENT.findall(text):
        if (percent := _number(share)) is not None:
            found.add(percent)
    return found


def _references(text: str) -> set[tuple[float, str]]:
    return {(v, unit) for n, unit in _REFERENCE.findall(text) if (v := _number(n)) is not None}


def _quantities(text: str) -> set[tuple[float, str]]:
    found = set()
    for number, unit in _QUANTITY.findall(text):
        if (value := _number(number)) is not None:
            unit, scale = _UNIT_OF.get(unit, (unit, 1.0))
            found.add((value * scale, unit))
    return found


def _bare_articles(text: str) -> set[float]:
    """Article numbers written without 第 (九十九条); small counts (两项, 三条) are left out."""
    found = (_number(n) for n, unit in _BARE_REFERENCE.findall(text) if unit == "条")
    return {v for v in found if v is not None and v > 10}


def _label_numbers(hits: Sequence[Hit]) -> set[float]:
    """The numbers in the clauses' own labels (第十条, （五）, 二、（三）)."""
    labels = " ".join(f"{h.clause.label} {' '.join(h.clause.breadcrumb)}" for h in hits)
    return _figures(labels, loose=True)


def _material(hits: Sequence[Hit]) -> str:
    text = "\n".join(f"{h.clause.heading or ''}\n{h.clause.text}" for h in hits)
    return fold_layout(fold_for_search(text))


def ungrounded(summary: str, hits: Sequence[Hit]) -> str | None:
    """Why the summary says something its clauses do not, or None when it is grounded."""
    # Facts are compared in one script: traditional characters and full-width digits folded.
    text = fold_layout(fold_for_search(_CITATION.sub("", summary)))
    material = _material(hits)
    known_refs = _references(material)
    labels = _label_numbers(hits)
    for value, unit in _references(text):
        if (value, unit) not in known_refs and value not in labels:
            return "summary names a section or article that is not among the clauses"
    known_articles = {v for v, unit in known_refs if unit == "条"} | labels
    if _bare_articles(text) - known_articles:
        return "summary names a section or article that is not among the clauses"
    for groups in _QUOTES.findall(text):
        quote = next(g for g in groups if g)
        if quote not in material:
            return "summary quotes words that are not in the clauses"
    titles = fold_layout(fold_for_search("\n".join(h.doc_title for h in hits)))
    for title in _TITLE.findall(text):
        if title not in material and title not in titles:
            return "summary quotes a title that is not in the clauses"
    if _quantities(text) - _quantities(material):
        return "summary states a quantity that is not in the clauses"
    stated = _figures(_REFERENCE.sub("", text), loose=False)
    if stated - _figures(material, loose=True):
        return "summary states a figure that is not in the clauses"
    return None


def checked_prefix(text: str, hits: Sequence[Hit]) -> str:
    """The longest run of whole sentences from the start that states nothing ungrounded."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    for end in reversed(ends):
        if ungrounded(text[:end], hits) is None:
            return text[:end]
    return ""


def cap(text: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """The text cut to at most `limit` characters, at the last sentence end that fits."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    return head[: ends[-1]] if ends else head + "…"
