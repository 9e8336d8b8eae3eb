"""Split clean blocks into documents and documents into numbered clauses."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from retrieval.documents.cleanup import (
    ends_sentence,
    is_heading_like,
    is_junk,
    is_running_text,
    is_source_line,
    join_broken_lines,
)
from retrieval.documents.numbering import Marker, int_to_cn, parse_marker
from retrieval.model import ClauseDraft, ClauseKind, DocKind, PathStep

_DOC_TYPES = (
    r"意见|方案|条例|办法|规定|通知|决定|规划|纲要|指南|细则|计划|措施|法|通告|公告|决议"
    r"|章程|规则|守则|制度"
)
_TITLE = re.compile(rf"^(?P<title>.{{4,80}}?(?:{_DOC_TYPES}))(?:[（(][^）)]*[）)])?(?:全文)?$")
# A file's first line may also be a title of the kinds that never start a second document
# inside a text (a 解释's title is repeated, wrapped, in its own body), and longer.
_FIRST_TITLE = re.compile(
    rf"^.{{4,120}}?(?:{_DOC_TYPES}|解释|批复|安排|解答|答复|修正案|命令|规范|标准)"
    r"(?:[（(][^）)]*[）)])?$"
)
_BYLINE = re.compile(
    r"^(?:.{0,30}(?:院长|主任|教授|研究员|记者|作者|编辑|部长|局长|书记)\s*)?"
    r"[\u4e00-\u9fff]{2,4}$|^.{2,30}\s+[\u4e00-\u9fff]{2,4}$"
)
_DATELINE = re.compile(r"(新华社|中新社|人民网|央视网|记者).{0,12}(电|讯|报道)")


def title_of(block: str) -> str | None:
    """The document title when the block is a title line (…的意见, …条例, …实施方案)."""
    if parse_marker(block) or any(p in block for p in "，。；：,;:!！?？"):
        return None
    match = _TITLE.match(block)
    # 004 separates issuers with an en space (U+2002); titles get one plain space.
    return re.sub(r"\s+", " ", match.group("title")) if match else None


@dataclass(slots=True)
class RawDocument:
    """A document's title and its cleaned blocks, before clauses are built."""

    title: str
    blocks: list[str]
    author: str | None = None
    kind_hint: DocKind | None = None


@dataclass(frozen=True, slots=True)
class Outline:
    """A document's clauses as numbered from its blocks, and what numbering dropped."""

    kind: DocKind
    continuous: bool  # （N） numbering runs on across chapters
    clauses: tuple[ClauseDraft, ...]
    dropped: tuple[str, ...]  # pull-quotes cut out of the running text


def split_documents(
    blocks: list[str], meta: dict[str, str], headed: bool = False
) -> list[RawDocument]:
    """Split a file's blocks at title lines (004 holds four documents). `headed`: the first
    block is a Markdown level-1 heading, the file's own title whatever its length or ending."""
    if blocks and is_junk(blocks[0]):
        headed = False
    blocks = [b for b in blocks if not is_junk(b)]
    starts = [i for i, b in enumerate(blocks) if title_of(b)]
    if not starts:
        return [_untitled(blocks, meta, headed)]
    docs = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(blocks)
        title = title_of(blocks[start]) or blocks[start]
        docs.append(RawDocument(title=title, blocks=_trim_tail(blocks[start + 1 : end])))
    return docs


def _untitled(blocks: list[str], meta: dict[str, str], headed: bool = False) -> RawDocument:
    title = meta.get("title", "").strip()
    kind: DocKind | None = "news" if meta.get("date") or meta.get("author") else None
    # A long title (最高人民法院……若干问题的解释, 60 characters) is not heading-like, but
    # Markdown's # says what it is.
    if not title and blocks and (headed or is_heading_like(blocks[0]) or _first_title(blocks[0])):
        title, blocks = blocks[0], blocks[1:]
    author = None
    if blocks and _BYLINE.match(blocks[0]) and not is_running_text(blocks[0]):
        author, blocks = blocks[0], blocks[1:]
    if blocks and _DATELINE.search(blocks[0][:30]):
        kind = "news"
    return RawDocument(
        title=re.sub(r"\s+", " ", title) or "未命名文件",
        blocks=_trim_tail(blocks),
        author=author,
        kind_hint=kind,
    )


def _first_title(block: str) -> bool:
    return (
        not parse_marker(block)
        and not any(p in block for p in "，。；：,;:!！?？")
        and bool(_FIRST_TITLE.match(block))
    )


def _trim_tail(blocks: list[str]) -> list[str]:
    """Cut the attribution line and anything after it, and dangling headings at the end."""
    for i, block in enumerate(blocks):
        if is_source_line(block):
            blocks = blocks[:i]
            break
    end = len(blocks)  # one slice at the end: a slice per dropped line was quadratic
    while end and is_heading_like(blocks[end - 1]) and not parse_marker(blocks[end - 1]):
        end -= 1
    return blocks[:end]


@dataclass(slots=True)
class _Unit:
    kind: ClauseKind
    path: tuple[PathStep, ...]
    heading: str | None
    paragraphs: list[str]
    breadcrumb: tuple[str, ...] = ()


def build_clauses(raw: RawDocument) -> Outline:
    """Number a document's blocks into clauses; with its kind, section style and drops."""
    articled = any(m and m.level == "article" for m in map(parse_marker, raw.blocks))
    blocks, dropped = join_broken_lines(raw.blocks, quotes=not articled)
    markers = [parse_marker(b) for b in blocks]
    levels = {m.level for m in markers if m}
    kind: DocKind
    if "article" in levels:
        units, kind, continuous = _articles(blocks, markers), "regulation", False
    elif sum(1 for m in markers if m and m.level in ("chapter", "section")) >= 2:
        units = _policy_units(blocks, markers)
        continuous = _continuous(units)
        kind = "policy"
    else:
        units, continuous = _paragraph_units(blocks), False
        kind = raw.kind_hint or "commentary"
    clauses = tuple(_draft(u, continuous) for u in units)
    return Outline(kind, continuous, clauses, tuple(dropped))


def _articles(blocks: list[str], markers: list[Marker | None]) -> list[_Unit]:
    units: list[_Unit] = []
    crumbs: tuple[str, ...] = ()
    chapter: tuple[PathStep, ...] = ()
    preamble: list[str] = []
    current: _Unit | None = None
    for block, marker in zip(blocks, markers, strict=True):
        if marker and marker.level == "part":
            title = re.sub(r"\s+", " ", block)
            if marker.unit == "章":
                crumbs, chapter = (title,), (("chapter", marker.number),)
            else:
                crumbs = (*crumbs[:1], title)
            current = None
        elif marker and marker.level == "article":
            # 第十七条之一 is an article of its own, after article 17: ("sub", 1) under it.
            sub: tuple[PathStep, ...] = (("sub", marker.sub),) if marker.sub else ()
            current = _Unit(
                "article",
                (*chapter, ("article", marker.number), *sub),
                None,
                [marker.body] if marker.body else [],
                crumbs,
            )
            units.append(current)
        elif current is not None:
            current.paragraphs.append(block)
        else:
            preamble.append(block)
    if preamble:
        units.insert(0, _Unit("preamble", (), None, preamble))
    return units


def _policy_units(blocks: list[str], markers: list[Marker | None]) -> list[_Unit]:
    units: list[_Unit] = []
    chapter: tuple[PathStep, ...] = ()
    section: tuple[PathStep, ...] = ()
    crumbs: tuple[str, ...] = ()
    current: _Unit | None = None
    for block, marker in zip(blocks, markers, strict=True):
        if marker is None or marker.level in ("article", "part"):
            if current is None:
                current = _Unit("preamble" if not chapter else "lead", chapter, None, [], crumbs)
                units.append(current)
            current.paragraphs.append(block)
            continue
        heading = marker.heading or None
        first = _sentence(marker) if marker.level != "chapter" else []
        if marker.level == "chapter":
            chapter = (("chapter", marker.number),)
            section = ()
            crumbs = (f"{int_to_cn(marker.number)}、{marker.heading}",)
            current = None
            # 二、将刑法第…条修改为：“…” is an item's whole text, not a chapter heading: kept
            # as the chapter's lead (a 修正案's or 批复's numbered paragraphs).
            if is_running_text(marker.rest) and ends_sentence(marker.rest):
                current = _Unit("lead", chapter, None, [marker.rest], crumbs)
                units.append(current)
            continue
        if marker.level == "section":
            section = (*chapter, ("section", marker.number))
            current = _Unit("section", section, heading, first, crumbs)
        else:
            parent = section or chapter
            current = _Unit("item", (*parent, ("item", marker.number)), heading, first, crumbs)
        units.append(current)
    return [u for u in units if u.paragraphs and not _is_bare_container(u, units)]


def _sentence(marker: Marker) -> list[str]:
    """The verbatim text after a number: heading sentence and body as written."""
    return [marker.rest] if marker.rest else []


def _is_bare_container(unit: _Unit, units: list[_Unit]) -> bool:
    """A section whose only text is its heading and whose items carry the content."""
    if unit.kind != "section" or len(unit.paragraphs) != 1:
        return False
    has_items = any(u.kind == "item" and u.path[:-1] == unit.path for u in units)
    return (
        has_items and unit.heading is not None and len(unit.paragraphs[0]) <= len(unit.heading) + 1
    )


def _continuous(units: list[_Unit]) -> bool:
    """True when （N） numbering runs on across chapters (公共数据意见, 数据二十条)."""
    by_chapter: dict[int, list[int]] = {}
    for unit in units:
        if unit.kind == "section" and len(unit.path) == 2:
            by_chapter.setdefault(unit.path[0][1], []).append(unit.path[1][1])
    if len(by_chapter) < 2:
        return False
    return all(nums[0] != 1 for nums in list(by_chapter.values())[1:])


def _paragraph_units(blocks: list[str]) -> list[_Unit]:
    units: list[_Unit] = []
    heading: str | None = None
    for block in blocks:
        if is_heading_like(block):
            heading = block
            continue
        units.append(
            _Unit(
                "paragraph",
                (("paragraph", len(units) + 1),),
                heading,
                [block],
                (heading,) if heading else (),
            )
        )
    return units


def _draft(unit: _Unit, continuous: bool) -> ClauseDraft:
    text = "\n".join(unit.paragraphs)
    last = unit.paragraphs[-1] if unit.paragraphs else ""
    return ClauseDraft(
        kind=unit.kind,
        path=unit.path,
        # Interned: a large corpus repeats the same labels and headings thousands of times.
        label=sys.intern(section_label(unit.kind, unit.path, continuous)),
        heading=unit.heading,
        text=text,
        breadcrumb=unit.breadcrumb,
        incomplete=is_running_text(last) and not ends_sentence(last),
    )


def section_label(kind: ClauseKind, path: tuple[PathStep, ...], continuous: bool) -> str:
    """Display label: 五、（二）, （十）, 一、（二）2., 第二十一条, 第3段, 序言."""
    if kind == "preamble":
        return "序言"
    parts: list[str] = []
    for level, number in path:
        if level == "chapter" and kind == "article":
            continue
        if level == "chapter" and not (continuous and kind in ("section", "item")):
            parts.append(f"{int_to_cn(number)}、")
        elif level == "section":
            parts.append(f"（{int_to_cn(number)}）")
        elif level == "item":
            parts.append(f"{number}.")
        elif level == "article":
            parts.append(f"第{int_to_cn(number)}条")
        elif level == "sub":
            parts.append(f"之{int_to_cn(number)}")
        elif level == "paragraph":
            parts.append(f"第{number}段")
    return "".join(parts)
