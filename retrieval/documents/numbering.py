"""Chinese numerals and the numbered-line patterns of policy and regulation texts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_SCALES = {"万": 10_000, "亿": 100_000_000}
CN_NUM = "零〇一二两三四五六七八九十百千"
NUM = rf"[{CN_NUM}]+|\d+"

Level = Literal["chapter", "section", "item", "article", "part"]


def cn_to_int(text: str) -> int | None:
    """Parse a Chinese (一百零八, 三亿五千万) or Arabic numeral; None when it is neither."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if len(text) > 1 and all(char in CN_DIGITS for char in text):
        # Digit by digit, as years and long numbers are written: 一〇八, 二〇二二.
        return int("".join(str(CN_DIGITS[char]) for char in text))
    above_yi, below_yi, section, current = 0, 0, 0, 0
    for char in text:
        if char in CN_DIGITS:
            current = CN_DIGITS[char]
        elif char in CN_UNITS:
            section += (current or 1) * CN_UNITS[char]
            current = 0
        elif char == "万":
            below_yi += ((section + current) or 1) * CN_SCALES[char]
            section, current = 0, 0
        elif char == "亿":
            above_yi += ((below_yi + section + current) or 1) * CN_SCALES[char]
            below_yi, section, current = 0, 0, 0
        else:
            return None
    return above_yi + below_yi + section + current


def int_to_cn(number: int) -> str:
    """Write a number in Chinese numerals the way documents number sections (十一, 一万零五)."""
    if number <= 0:
        return "零"
    if number >= 10_000:  # 第10000条 in a messy file must not take the file down
        high, low = divmod(number, 10_000)
        rest = int_to_cn(low) if low else ""
        gap = "零" if 0 < low < 1000 else ""
        return f"{int_to_cn(high)}万{gap}{rest}"
    digits = "零一二三四五六七八九"
    parts: list[str] = []
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        count, number = divmod(number, unit_value)
        if count:
            parts.append(digits[count] + unit)
        elif parts and number:
            parts.append("零")
    if number:
        parts.append(digits[number])
    text = "".join(parts).replace("零零", "零")
    return text[1:] if text.startswith("一十") else text


@dataclass(frozen=True, slots=True)
class Marker:
    """A numbered line split into its level, number, heading and the text after it."""

    level: Level
    number: int
    heading: str
    body: str
    rest: str = ""  # the verbatim text after the number
    unit: str = ""  # for 第X章/节/编/部分 lines: which of those units
    sub: int = 0  # 第十七条之一: an article inserted after article 17 (1), numbered on its own


# Full- and half-width brackets both occur (001 is scraped with half-width punctuation).
_PATTERNS: tuple[tuple[Level, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^第({NUM})(章|节|编|部分)\s*(.*)$")),
    ("article", re.compile(rf"^第({NUM})条(?:之([{CN_NUM}]+))?(?:\s+|　|$)(.*)$")),
    ("chapter", re.compile(r"^([一二三四五六七八九十]+)、\s*(.*)$")),
    ("section", re.compile(r"^[（(]([一二三四五六七八九十]+)[)）]\s*(.*)$")),
    ("item", re.compile(r"^(\d{1,2})[.．、](?!\d)\s*(.*)$")),
)

# A heading sentence ends at the first 。; longer "sentences" are body text.
_HEADING_MAX = 40
_HEADING = re.compile(rf"^([^。！？；]{{1,{_HEADING_MAX}}})(?:[。．.]|$)(.*)$", re.S)


def split_heading(rest: str) -> tuple[str, str]:
    """Split '统筹推进政务数据共享。完善……' into heading and body."""
    rest = rest.strip()
    match = _HEADING.match(rest)
    if not match:
        return "", rest
    return match.group(1).strip(), match.group(2).strip()


def parse_marker(line: str) -> Marker | None:
    """Recognise a numbered line (一、 （一） 1. 第一条 第一章); None for ordinary text."""
    line = line.strip()
    for level, pattern in _PATTERNS:
        match = pattern.match(line)
        if not match:
            continue
        number = cn_to_int(match.group(1))
        if number is None or number == 0:
            return None
        rest = match.group(match.lastindex or 1).strip()
        if level == "part":
            return Marker(level, number, rest, "", rest, unit=match.group(2))
        if level == "article":
            sub = cn_to_int(match.group(2)) if match.group(2) else 0
            return Marker(level, number, "", rest, rest, sub=sub or 0)
        heading, body = split_heading(rest)
        return Marker(level, number, heading, body, rest)
    return None
