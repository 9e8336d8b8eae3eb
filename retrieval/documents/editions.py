"""The editions of one document in the library, and what changed between two of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from retrieval.documents.dedup import title_key
from retrieval.documents.diff import ArticleChange, ChangeKind, align, counts
from retrieval.model import Document

# Why no diff: the name found no document, it has one edition, or no edition of that date.
NoDiffReason = Literal["unknown", "one_edition", "no_date"]


@dataclass(frozen=True, slots=True)
class EditionDiff:
    """Two editions of a document (older first) and every article's fate between them."""

    old: Document
    new: Document
    changes: tuple[ArticleChange, ...]

    @property
    def counts(self) -> dict[ChangeKind, int]:
        """How many articles of each kind."""
        return counts(self.changes)

    @property
    def shown(self) -> tuple[ArticleChange, ...]:
        """The articles worth showing: all but the unchanged, in the new edition's order."""
        return tuple(c for c in self.changes if c.kind != "unchanged")


@dataclass(frozen=True, slots=True)
class NoDiff:
    """Why no diff can be made: the document is unknown, has one edition, or no such date."""

    reason: NoDiffReason
    document: Document | None = None
    dates: tuple[str, ...] = ()


def editions(documents: Sequence[Document], doc: Document) -> list[Document]:
    """Every loaded edition of this document's title, oldest first."""
    key = title_key(doc.title)
    return sorted(
        (d for d in documents if title_key(d.title) == key), key=lambda d: (d.edition, d.doc_id)
    )


def _dated(group: list[Document], date: str) -> Document | None:
    """The edition a date names: exact, else the newest whose date starts with it (2017)."""
    exact = [d for d in group if d.edition == date]
    started = [d for d in group if date and d.edition.startswith(date)]
    chosen = exact or started
    return chosen[-1] if chosen else None


def compare(
    documents: Sequence[Document], found: Sequence[Document], since: str = "", until: str = ""
) -> EditionDiff | NoDiff:
    """Diff two editions of the document a name found (defaults: the two newest)."""
    if not found or len({title_key(d.title) for d in found}) != 1:
        return NoDiff("unknown")
    group = editions(documents, found[0])
    dates = tuple(d.edition for d in group)
    if len(group) < 2:
        return NoDiff("one_edition", found[0], dates)
    new = _dated(group, until) if until else group[-1]
    if new is None:
        return NoDiff("no_date", found[0], dates)
    if since:
        old = _dated(group, since)
    else:
        older = [d for d in group if (d.edition, d.doc_id) < (new.edition, new.doc_id)]
        old = older[-1] if older else None
    if old is None or old is new:
        return NoDiff("no_date", found[0], dates)
    return EditionDiff(old, new, tuple(align(old.clauses, new.clauses)))


def by_ids(documents: Sequence[Document], new_id: str, old_edition: str) -> EditionDiff | None:
    """The diff a button names (new edition's id, old edition's date); None when gone."""
    new = next((d for d in documents if d.doc_id == new_id), None)
    if new is None:
        return None
    old = next((d for d in editions(documents, new) if d.edition == old_edition), None)
    if old is None or old is new:
        return None
    return EditionDiff(old, new, tuple(align(old.clauses, new.clauses)))
