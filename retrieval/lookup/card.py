"""A document's card: what a bare document name answers with (title, issuer, date, chapters)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.model import Document, DocumentCard

_ISSUER = re.compile(r"^([^《》]{2,40}?)关于")
_DATE = re.compile(r"(\d{4})\s*[年-]\s*(\d{1,2})\s*[月-]\s*(\d{1,2})\s*日?")


def document_card(doc: Document, chapters: Sequence[str]) -> DocumentCard:
    """Summarise a document from its title, first clause and source names; `chapters` are
    its distinct top headings, read by the caller without making every clause."""
    issuer_match = _ISSUER.match(doc.title)
    issuer = issuer_match.group(1).strip() if issuer_match else doc.author
    return DocumentCard(
        doc_id=doc.doc_id,
        title=doc.title,
        short=doc.short or doc.doc_id,
        kind=doc.kind,
        issuer=issuer,
        date=_date(doc),
        chapters=tuple(chapters),
        clause_count=len(doc.clauses),
        edition=doc.edition,
        superseded=doc.superseded,
    )


def _date(doc: Document) -> str | None:
    """The first full date in the opening clause or a source file name, as YYYY-MM-DD."""
    opening = doc.clauses[0].text[:200] if doc.clauses else ""
    for text in (opening, *doc.sources):
        match = _DATE.search(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def quoted_title(title: str) -> str:
    """The title in 《》, unless it already holds a pair (国务院印发《…》 is not wrapped again)."""
    return title if "《" in title else f"《{title}》"
