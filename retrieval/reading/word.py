"""A Word (.docx) file's body as paragraphs, in reading order, tables included.

Page headers and footers (where Word keeps page numbers) are separate parts of a .docx and
are never read. A line break inside a paragraph is a wrap when it falls mid-sentence.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from retrieval.documents.cleanup import ends_sentence, is_running_text
from retrieval.documents.numbering import parse_marker
from retrieval.reading.pdf import is_page_number, tidy
from retrieval.reading.plain import UnreadableFile

MAX_BLOCKS = 50_000  # a long law has a few thousand; millions are a crafted file
_BAD_DOCX = (
    zipfile.BadZipFile,
    PackageNotFoundError,
    SyntaxError,  # lxml's XMLSyntaxError
    KeyError,
    ValueError,
    OSError,
)


def docx_paragraphs(data: bytes) -> list[str]:
    """The paragraphs of a .docx body; raises UnreadableFile for a corrupt or encrypted file."""
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        for n, item in enumerate(document.iter_inner_content()):
            if n >= MAX_BLOCKS:
                raise UnreadableFile(f"Word 文件段落过多（超过 {MAX_BLOCKS} 段）")
            if isinstance(item, Paragraph):
                blocks.extend(_paragraph_lines(item.text))
            else:
                blocks.extend(_table_rows(item))
    except UnreadableFile:
        raise
    except _BAD_DOCX as exc:
        # An encrypted Office file is not a zip at all, so it fails the same way.
        raise UnreadableFile("Word 文件已损坏、已加密或不是 .docx 格式") from exc
    return [b for b in blocks if b and not is_page_number(b)]


def _paragraph_lines(text: str) -> list[str]:
    """Split at line breaks, but rejoin a break that falls inside a sentence."""
    lines: list[str] = []
    for part in (tidy(p) for p in text.split("\n")):
        if not part:
            continue
        wrapped = lines and is_running_text(lines[-1]) and not ends_sentence(lines[-1])
        if wrapped and not parse_marker(part):
            lines[-1] += part
        else:
            lines.append(part)
    return lines


def _table_rows(table: Table) -> list[str]:
    """One block per row, merged cells once."""
    rows = []
    for row in table.rows:
        cells = list(dict.fromkeys(tidy(cell.text.replace("\n", " ")) for cell in row.cells))
        rows.append(" ".join(c for c in cells if c))
    return rows
