"""Turn raw file bytes (txt, md, html with front matter) into clean text blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any


class UnreadableFile(ValueError):
    """The bytes are binary, empty or in no encoding we can read."""


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030; reject binaries."""
    if not data.strip():
        raise UnreadableFile("文件为空")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise UnreadableFile("二进制文件（含 NUL 字节）")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise UnreadableFile("无法识别的文本编码")


# Unicode's control characters (category Cc) but for the line and page breaks and tabs text has.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _looks_like_text(text: str) -> bool:
    return len(_CONTROL.findall(text)) <= len(text) // 100


@dataclass(frozen=True, slots=True)
class Source:
    """A file's text split into blocks, plus metadata from its front matter."""

    blocks: tuple[str, ...]
    meta: dict[str, str]
    markdown_levels: dict[int, int]


_FRONT_MATTER = re.compile(r"\A\s*---\s*\n(.*?)\n---\s*\n", re.S)
_HTML_TAG = re.compile(r"<(p|div|br|span|a|h[1-6]|li|table|section|article)\b", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Return YAML front matter as strings (bad YAML is treated as no front matter)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml  # only files with front matter need it (~20 ms to import)

    try:
        loaded: Any = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text[match.end() :]
    meta = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    return meta, text[match.end() :]


class _BlockExtractor(HTMLParser):
    """Collect the visible text of block elements; drop script, style and iframes."""

    _BLOCKS = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "blockquote",
        "table",
    }
    _HIDDEN = {"script", "style", "iframe", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._current.append(data)

    def _flush(self) -> None:
        text = "".join(self._current)
        self._current = []
        for line in text.split("\n"):
            if line.strip():
                self.blocks.append(line)

    def close(self) -> None:
        super().close()
        self._flush()


def html_blocks(text: str) -> list[str]:
    """Visible text of an HTML fragment, one block per paragraph-level element."""
    parser = _BlockExtractor()
    parser.feed(_COMMENT.sub("", text))
    parser.close()
    return parser.blocks


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_SPACES = re.compile(r"^[\s\u3000\u2002\u2003\u00a0\ufeff]+|[\s\u3000\u2002\u2003\u00a0\ufeff]+$")


def clean_line(line: str) -> str:
    """Strip surrounding (also full-width) spaces and inline Markdown from a line."""
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_EMPHASIS.sub(r"\2", line)
    return _SPACES.sub("", line)


def read_source(text: str) -> Source:
    """Split text into paragraph blocks, handling front matter, HTML and Markdown."""
    meta, body = split_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    if _HTML_TAG.search(body):
        raw_blocks = html_blocks(body)
        lines: list[str] = []
        for block in raw_blocks:
            lines.extend([block, ""])
    else:
        lines = _COMMENT.sub("", body).split("\n")
    blocks, levels = _paragraphs(lines)
    return Source(tuple(blocks), meta, levels)


def _paragraphs(lines: list[str]) -> tuple[list[str], dict[int, int]]:
    """One block per non-empty line; record Markdown heading levels by block index.

    Lines are not glued at blank lines: 004 starts a document on the line right after
    another's title, and 000 breaks sentences across blank lines. Joining is decided
    later from the text itself (see structure.join_broken_lines).
    """
    blocks: list[str] = []
    levels: dict[int, int] = {}
    for raw in lines:
        heading = _MD_HEADING.match(raw.strip())
        line = clean_line(heading.group(2) if heading else raw)
        if not line:
            continue
        if heading:
            levels[len(blocks)] = len(heading.group(1))
        blocks.append(line)
    return blocks, levels
