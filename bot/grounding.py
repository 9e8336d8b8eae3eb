"""Does a summary say only what its quoted clauses say? Numbers, figures and quotes checked.

A civil servant cites what the bot shows: a section number, a fine or a quoted phrase that is
not in the clauses is worse than no summary, so any of them drops the whole summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.model import Hit
from retrieval.normalize import fold_layout
from retrieval.numbering import CN_SCALES, cn_to_int

MAX_SUMMARY_CHARS = 600  # a summary is 2–4 sentences; anything longer is cut at a sentence
_CN_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
_REFERENCE = re.compile(rf"第([{_CN_NUMERAL}\d]+)(条|章|节|款|项|编|部分|段)")
_CITATION = re.compile(r"\[\d+\]")
_ARABIC = re.compile(r"(\d+(?:\.\d+)?)\s*([万亿]?)")
# Chinese numerals count as a figure only before a unit: 统一, 一体化 or 十四五 are words.
_CN_FIGURE = re.compile(
    rf"([{_CN_NUMERAL}]+)(?=元|年|月|日|天|周|小时|分钟|人|次|倍|项|家|名|岁|%|％|成|公里"
    r"|米|吨|亩|户|所|座|台|份|件|批)"
)
_PERCENT = re.compile(rf"百分之([{_CN_NUMERAL}\d.]+)")
_QUOTES = re.compile(r"“([^”]{2,})”|\"([^\"]{2,})\"|‘([^’]{2,})’|「([^」]{2,})」|『([^』]{2,})』")
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
    pattern = re.compile(rf"[{_CN_NUMERAL}]+") if loose else _CN_FIGURE
    for match in pattern.finditer(text):
        if (numeral := cn_value(match.group(1) if not loose else match.group())) is not None:
            found.add(numeral)
    for share in _PERCENT.findall(text):
        if (percent := _number(share)) is not None:
            found.add(percent)
    return found


def _references(text: str) -> set[tuple[float, str]]:
    return {(v, unit) for n, unit in _REFERENCE.findall(text) if (v := _number(n)) is not None}


def _label_numbers(hits: Sequence[Hit]) -> set[float]:
    """The numbers in the clauses' own labels (第十条, （五）, 二、（三）)."""
    labels = " ".join(f"{h.clause.label} {' '.join(h.clause.breadcrumb)}" for h in hits)
    return _figures(labels, loose=True)


def _material(hits: Sequence[Hit]) -> str:
    return fold_layout("\n".join(f"{h.clause.heading or ''}\n{h.clause.text}" for h in hits))


def ungrounded(summary: str, hits: Sequence[Hit]) -> str | None:
    """Why the summary says something its clauses do not, or None when it is grounded."""
    text = fold_layout(_CITATION.sub("", summary))
    material = _material(hits)
    known_refs = _references(material)
    labels = _label_numbers(hits)
    for value, unit in _references(text):
        if (value, unit) not in known_refs and value not in labels:
            return "summary names a section or article that is not among the clauses"
    for groups in _QUOTES.findall(text):
        quote = next(g for g in groups if g)
        if quote not in material:
            return "summary quotes words that are not in the clauses"
    titles = fold_layout("\n".join(h.doc_title for h in hits))
    for title in _TITLE.findall(text):
        if title not in material and title not in titles:
            return "summary quotes a title that is not in the clauses"
    stated = _figures(_REFERENCE.sub("", text), loose=False)
    if stated - _figures(material, loose=True):
        return "summary states a figure that is not in the clauses"
    return None


def cap(text: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """The text cut to at most `limit` characters, at the last sentence end that fits."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    return head[: ends[-1]] if ends else head + "…"
