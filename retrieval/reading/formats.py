"""Which reader a file's type needs: plain text, HTML and Markdown, PDF or Word."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

if (
    TYPE_CHECKING
):  # the readers are imported when a file is read: a start from the cache reads none
    from retrieval.reading.plain import Source

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
SUFFIXES = (*TEXT_SUFFIXES, ".pdf", ".docx")
# Part of the cache key: a file's parse changes when these readers change.
PARSER_VERSION = "formats-4"  # 2: 第X条之一 articles; 3: PDF repairs, 一、 items keep their text;
# 4: a Markdown # title of any length names its document


def read_bytes(name: str, data: bytes) -> tuple[Source, list[str]]:
    """A file's text blocks by its type, and notes about what was skipped inside it.

    Raises UnreadableFile for a file that cannot be read at all.
    """
    from retrieval.reading.plain import Source, decode, read_source

    suffix = PurePath(name).suffix.lower()
    # pypdf and python-docx cost ~0.15 s to import: only a PDF or Word file pays for them.
    if suffix == ".pdf":
        from retrieval.reading.pdf import pdf_paragraphs

        blocks, notes = pdf_paragraphs(data)
        return Source(tuple(blocks), {}, {}), notes
    if suffix == ".docx":
        from retrieval.reading.word import docx_paragraphs

        return Source(tuple(docx_paragraphs(data)), {}, {}), []
    return read_source(decode(data)), []
