"""A PDF's text layer as paragraphs: page furniture dropped, wrapped lines joined again.

pypdf reads the text (its layout mode keeps each line's indentation, which is how Chinese
documents mark a new paragraph: a two-character first-line indent, and centred titles).
A line continues in the next one when it runs to the right margin and the next line is not
indented. Running headers and footers are lines repeated at the top or bottom of most pages;
page numbers such as `— 3 —`, `- 3 -` or `第3页 共9页` are dropped wherever they stand.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zlib
from collections import Counter
from dataclasses import dataclass

from pypdf import PageObject, PdfReader
from pypdf.errors import DependencyError, PyPdfError

from retrieval.documents.cleanup import ends_sentence, is_running_text
from retrieval.documents.numbering import CN_NUM, NUM, parse_marker
from retrieval.documents.structure import title_of
from retrieval.reading.plain import UnreadableFile

MIN_TEXT_CHARS = 20  # less than this in the whole file: a scan without a text layer
_DASH = r"[-—–－―~～_·•\s]"
_PAGE_NUMBER = re.compile(
    rf"^(?:{_DASH}*\d{{1,4}}{_DASH}*"
    rf"|[-—–－―]\s*[一二三四五六七八九十百]+\s*[-—–－―]"
    r"|第\s*\d+\s*页(?:\s*[，,/]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+|[Pp]age\s*\d+(?:\s*of\s*\d+)?)$"
)
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACED = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
# Some converters write Kangxi radicals (⼈ U+2F08) or compatibility ideographs for ordinary
# characters; NFKC maps those back. Applied to them only, never to punctuation. The CJK
# radicals supplement has no NFKC mapping, so its usual suspects are listed.
_LOOKALIKES = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff]")
_RADICALS = dict(
    zip(
        "⺠⻓⻔⻅⻋⻜⻢⻬⻩⻛⻉⻆⻄⻚⻝⻥⻨⻰⻘⻣⻤⻦⻭⻊⺩⺁",
        "民长门见车飞马齐黄风贝角西页食鱼麦龙青骨鬼鸟齿足王厂",
        strict=True,
    )
)
# Quotation marks set in a Latin font are drawn by a text operation of their own, which pypdf
# reports apart: `“ ”` at the start or end of the line, blanks where they belong.
_MARKS = "“”‘’"
_STRAY_MARKS = re.compile(
    rf"^([{_MARKS}](?: *[{_MARKS}])*) *(.*)$|^(.*?) *([{_MARKS}](?: *[{_MARKS}])*)$"
)
_GAP = re.compile(rf"(?<=[^\x00-\x7f{_MARKS}]) (?=[^\x00-\x7f{_MARKS}])")  # between CJK
# 第一条　为了…: the full-width space after an article number is often a gap in the PDF, not
# a character. Put back at paragraph starts (not before 规定/的…, which cite an article).
# 第十七条之一 is an article too; 第三条之规定 and 第三条中的 cite one, 第二条中国… opens one.
_BARE_ARTICLE = re.compile(
    rf"^(第(?:{NUM})条(?:之[{CN_NUM}]+)?)(?![\s，,。、；;：:的规所和至及之]|中[的规所列提述，,])(?=.)"
)
_BAD_PDF = (
    PyPdfError,
    OSError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    RecursionError,
    ZeroDivisionError,
    zlib.error,
)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a page: its text, indentation and right end, in character cells, and
    whether a blank line comes before it (space between paragraphs, or wide line spacing)."""

    text: str
    indent: float
    end: float
    gap: bool = False


def is_page_number(line: str) -> bool:
    """True for a line that is only a page number (`— 3 —`, `- 12 -`, `第3页 共9页`, `3/9`)."""
    return bool(_PAGE_NUMBER.match(line.strip()))


def pdf_paragraphs(data: bytes) -> tuple[list[str], list[str]]:
    """The paragraphs of a PDF's text layer, and notes on pages without text.

    Raises UnreadableFile for an encrypted, corrupt or scanned (no text layer) PDF.
    """
    texts = _page_texts(data)
    pages = [_lines(text) for text in texts]
    if sum(len(line.text) for page in pages for line in page) < MIN_TEXT_CHARS:
        raise UnreadableFile("PDF 没有文字层（可能是扫描件；不做文字识别）")
    blank = [str(n + 1) for n, page in enumerate(pages) if not page]
    notes = [f"第 {'、'.join(blank)} 页没有文字层（可能是扫描页），已跳过"] if blank else []
    paragraphs = join_lines([line for page in strip_furniture(pages) for line in page])
    return space_articles(paragraphs), notes


def space_articles(paragraphs: list[str]) -> list[str]:
    """Restore the space after 第N条 when a regulation's PDF lost it (three or more times,
    or in every article of a short one: 第一条…, 第二条…)."""
    bare = [m for m in map(_BARE_ARTICLE.match, paragraphs) if m]
    numbers = [parse_marker(m.group(1)) for m in bare]
    counted = [m.number for m in numbers if m and not m.sub]
    if len(bare) < 3 and not (len(bare) == 2 and counted == [1, 2]):
        return paragraphs
    return [_BARE_ARTICLE.sub("\\1\u3000", p) for p in paragraphs]


MAX_PAGES = 5_000  # the longest codes run to a few hundred pages; more is a crafted file


def _page_texts(data: bytes) -> list[str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about every quirk of a real file
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not _unlock(reader):
                raise UnreadableFile("PDF 已加密（需要密码）")
            if len(reader.pages) > MAX_PAGES:
                raise UnreadableFile(f"PDF 页数过多（超过 {MAX_PAGES} 页）")
            return [_page_text(page) for page in reader.pages]
    except UnreadableFile:
        raise
    except _BAD_PDF as exc:
        raise UnreadableFile(f"PDF 已损坏或无法解析（{type(exc).__name__}）") from exc


def _unlock(reader: PdfReader) -> bool:
    """Open a PDF that is encrypted only against editing (empty user password)."""
    try:
        return bool(reader.decrypt(""))
    except DependencyError:
        return False


def _page_text(page: PageObject) -> str:
    """Layout-mode text (keeps indentation); plain mode where layout mode fails."""
    try:
        text = page.extract_text(extraction_mode="layout")
    except _BAD_PDF:
        text = "\x00"
    if "\x00" in text:  # layout mode misread the font's code widths; plain mode does not
        text = page.extract_text().replace("\x00", "")
    return text


def _lines(text: str) -> list[Line]:
    lines: list[Line] = []
    gap = False
    for raw in text.split("\n"):
        raw = raw.rstrip()
        body = raw.lstrip(" \u3000")
        if not body.strip():
            gap = bool(lines)
            continue
        indent = len(raw) - len(body)  # layout mode pads with one space per character cell
        body = tidy(body)
        lines.append(Line(body, indent, indent + display_width(body), gap))
        gap = False
    return lines


def refill_marks(text: str) -> str:
    """Put quotation marks reported apart from their line back into its blanks, in order."""
    match = _STRAY_MARKS.match(text)
    if match is None:
        return text
    if match[1]:
        marks, rest = match[1], match[2]
        apart = text[len(marks) :][:1] == " " or any(m in marks for m in "”’")
    else:
        marks, rest = match[4], match[3]
        apart = text[: -len(marks)].endswith(" ") or any(m in marks for m in "“‘")
    # Marks drawn at one place stand together (”“ between two quotations): one blank each.
    groups = marks.split()
    # One mark against the text may open a line or close it (…修改为：“…。”); one that
    # stands off by a blank, comes with others or cannot be there (“ ending a line) is stray.
    if len(groups) == 1 and not apart:
        return text
    if rest and not _GAP.search(rest):
        # No blank to fill: closing marks drawn before a paragraph's last line (”金。) end it.
        joined = "".join(groups)
        if match[1] and ends_sentence(rest) and not any(m in joined for m in "“‘"):
            return rest + joined
        return text
    if not rest or len(_GAP.findall(rest)) != len(groups):
        return text
    filled = iter(groups)
    return _GAP.sub(lambda _: next(filled), rest)


def tidy(text: str) -> str:
    """Undo extraction artefacts: lookalike radicals, letter-spaced CJK, runs of spaces."""
    text = refill_marks(re.sub(r" {2,}", " ", text.strip()))
    text = _LOOKALIKES.sub(
        lambda m: _RADICALS.get(m.group(0)) or unicodedata.normalize("NFKC", m.group(0)), text
    )
    text = re.sub(r" {2,}", " ", text.strip())
    pairs = len(re.findall(rf"[{_CJK}] ?(?=[{_CJK}])", text))
    spaced = len(_SPACED.findall(text))
    if spaced >= 3 and spaced * 2 >= pairs:
        text = _SPACED.sub("", text)
    return text


def display_width(text: str) -> float:
    """Width in full-width character cells (a Latin letter or digit is half a cell).

    Ambiguous-width characters (“ ” … —) are full width in Chinese fonts.
    """
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in text)


def _edge_key(line: Line) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text))


def strip_furniture(pages: list[list[Line]], edge: int = 2) -> list[list[Line]]:
    """Drop page numbers and the headers and footers repeated on most pages."""
    pages = [[line for line in page if not is_page_number(line.text)] for page in pages]
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({_edge_key(line) for line in page[:edge] + page[-edge:]})
    with_text = sum(1 for page in pages if page)
    repeated = {k for k, n in counts.items() if n >= 2 and n * 2 >= with_text}
    out = []
    for page in pages:
        keep = [
            line
            for n, line in enumerate(page)
            if not ((n < edge or n >= len(page) - edge) and _edge_key(line) in repeated)
        ]
        out.append(keep)
    return out


def join_lines(lines: list[Line]) -> list[str]:
    """Join the lines of each paragraph; a paragraph starts indented or after a short line."""
    if not lines:
        return []
    left = min(round(line.indent) for line in lines)
    # Most lines of running text are full lines: the commonest right end is the margin. Among
    # the long lines only: a list of short one-line items (a), b)…) has commoner short ends.
    ends = [round(line.end) for line in lines if round(line.indent) == left]
    right = Counter(end for end in ends if end >= 0.75 * max(ends))
    right_margin = max(right, key=lambda end: (right[end], end))
    spaced = _spaced_paragraphs(lines, right_margin)
    paragraphs: list[str] = []
    previous: Line | None = None
    for n, line in enumerate(lines):
        if previous is not None and (
            (n == 1 and _title_runs_on(previous, line))
            or (
                not (spaced and line.gap)
                and _continues(previous, line, left, right_margin, paragraphs[-1])
            )
        ):
            glue = " " if paragraphs[-1][-1:].isascii() and line.text[:1].isascii() else ""
            paragraphs[-1] += glue + line.text
        else:
            paragraphs.append(line.text)
        previous = line
    return paragraphs


def _spaced_paragraphs(lines: list[Line], right: float) -> bool:
    """True when blank lines fall between paragraphs (Word's space after a paragraph): most
    short lines (a paragraph's last) have one after them, few full lines do. pypdf puts a
    stray blank between some lines of any PDF, hence shares, not all or nothing."""
    full: list[bool] = []
    short: list[bool] = []
    for a, b in zip(lines, lines[1:], strict=False):
        (full if a.end >= right - 2.5 else short).append(b.gap)
    if len(short) < 3:
        return False
    return sum(short) >= 0.6 * len(short) and sum(full) <= 0.5 * len(full)


_WRAPPED_TITLE = 16  # characters: a title at twice the body size fills a line with ~20


def _title_runs_on(first: Line, second: Line) -> bool:
    """A file's first line is a title set large and flush left (Word's 标题 1) that wraps:
    a title (…办法, …的规定) only with the second line, which is no longer; or a long first
    line (a title's width at that size) that a line without punctuation ends (…的解释).
    A header line (汇编 2024年第3期) has digits or spaces; a title has neither."""
    joined = first.text + second.text
    return (
        second.end <= first.end
        and not re.search(r"[\d\s]", first.text)
        and title_of(first.text) is None
        and (
            title_of(joined) is not None
            or (len(first.text) >= _WRAPPED_TITLE and not is_running_text(second.text))
        )
        and not is_numbered(second.text)
        and not second.text[:1].isdigit()
        and len(joined) <= 80
    )


def _continues(previous: Line, line: Line, left: int, right: float, so_far: str) -> bool:
    # Centred: starts well in and stops short, or starts far in without a number (a deep
    # first-line indent runs to the margin; pypdf may misplace a numbered line's start).
    centred = tuple(
        (x.indent >= left + 3 and x.end < right - 2.5)
        or (x.indent >= left + 6 and not is_numbered(x.text))
        for x in (previous, line)
    )
    if any(centred):  # titles and headers: only a long title runs on, centred, in a second line
        numbered = parse_marker(so_far) or parse_marker(line.text)  # 第一章 总则 / 第一条…
        return (
            all(centred)
            and not numbered
            and title_of(so_far) is None
            and not ends_sentence(so_far)
        )
    if line.indent >= left + 1.5 or previous.end < right - 2.5:
        return False
    # A line that ends a sentence or opens a list (…如下：) and a numbered line: two paragraphs.
    ends = ends_sentence(previous.text) or previous.text.endswith(("：", ":"))
    return not (ends and is_numbered(line.text))


def is_numbered(text: str) -> bool:
    """A numbered line, also 第N条 whose following space the PDF lost (第二条本法…) and a
    quoted one (an amendment's “（一）…)."""
    text = text.lstrip("“‘")
    return bool(parse_marker(text) or _BARE_ARTICLE.match(text))
