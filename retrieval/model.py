"""The value types that flow from corpus files to answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:  # for an annotation only: the value types load no folding tables
    from retrieval.words.normalize import Folded

DocKind = Literal["policy", "regulation", "news", "commentary"]
ClauseKind = Literal["preamble", "lead", "section", "item", "article", "paragraph"]
Mode = Literal["search", "lookup"]
Status = Literal["ok", "abstain", "not_found", "not_in_library", "ambiguous"]
# Why an answer looks the way it does, for renderers.
Note = Literal["", "ambiguous", "empty", "too_long", "unknown_doc", "document"]
# What a corpus problem did to its file. skipped: a file, or a document in it, was left out
# (nothing of it is searchable); partial: the file was loaded without some of it (PDF pages
# without a text layer); repaired: loaded, with its text mended (an inserted quotation
# dropped, the reading most copies agree on taken).
ProblemKind = Literal["skipped", "partial", "repaired"]
PROBLEM_KINDS: tuple[ProblemKind, ...] = get_args(ProblemKind)

# The levels a numbering path steps through: 一、 chapter, （一） section, 1. item, 第N条 article,
# 之一 sub (an article inserted after N), 第N段 paragraph (unnumbered text).
Step = Literal["chapter", "section", "item", "article", "sub", "paragraph"]
STEPS: tuple[Step, ...] = get_args(Step)
# A numbering path: ("chapter", 2), ("section", 3), ("item", 1) … outermost first.
PathStep = tuple[Step, int]


@dataclass(frozen=True, slots=True)
class Clause:
    """One quotable unit: a numbered section, an article, a lead paragraph or a paragraph."""

    doc_id: str
    ordinal: int
    kind: ClauseKind
    path: tuple[PathStep, ...]
    label: str
    heading: str | None
    text: str
    breadcrumb: tuple[str, ...] = ()
    incomplete: bool = False


@dataclass(frozen=True, slots=True)
class ClauseDraft:
    """A clause as parsed, before copies are merged and its document gets an id."""

    kind: ClauseKind
    path: tuple[PathStep, ...]
    label: str
    heading: str | None
    text: str
    breadcrumb: tuple[str, ...] = ()
    incomplete: bool = False

    def clause(self, doc_id: str, ordinal: int) -> Clause:
        """The clause of document `doc_id` at `ordinal`."""
        return Clause(
            doc_id,
            ordinal,
            self.kind,
            self.path,
            self.label,
            self.heading,
            self.text,
            self.breadcrumb,
            self.incomplete,
        )


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed document with its clauses in reading order and where it came from."""

    doc_id: str
    title: str
    kind: DocKind
    # A tuple when parsed; from the cache, a lazy table (retrieval/storage/clause_table.py).
    clauses: Sequence[Clause]
    sources: tuple[str, ...]
    author: str | None = None
    aliases: tuple[str, ...] = ()
    continuous_sections: bool = False
    short: str = ""
    edition: str = ""  # YYYY-MM-DD of this edition when its file name states one
    superseded: bool = False  # a newer edition of the same title is loaded
    # Abbreviations derived from the title (消保法): matched whole, never spread or fuzzy.
    derived: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CorpusProblem:
    """Something in the corpus that was skipped or repaired, named by its source; the
    message is what admins read (Chinese), the kind what code tells problems apart by."""

    source: str
    kind: ProblemKind
    message: str


def path_step(level: str, number: int) -> PathStep:
    """A stored numbering step, checked (ValueError for a level this version does not know)."""
    for step in STEPS:
        if level == step:
            return step, number
    raise ValueError(f"unknown numbering level {level!r}")


def problem_kind(value: str) -> ProblemKind:
    """A stored problem kind, checked (ValueError for one this version does not know)."""
    for kind in PROBLEM_KINDS:
        if value == kind:
            return kind
    raise ValueError(f"unknown corpus problem kind {value!r}")


@dataclass(frozen=True, slots=True)
class Hit:
    """A clause returned for a query, with its score (BM25 for search, 1.0 for lookup)."""

    clause: Clause
    doc_title: str
    score: float


@dataclass(frozen=True, slots=True)
class ClauseRef:
    """A parsed clause reference such as 数据二十条第十条 or 数字政府 2.3."""

    doc_hint: Folded  # the document named before the number, folded ("" for none)
    chapter: int | None = None
    section: int | None = None
    item: int | None = None
    paragraph: int | None = None
    # 第N条: an article of a regulation, or the Nth （N） section of a policy text.
    numbered: int | None = None
    sub: int | None = None  # 第N条之一: the article inserted after article N


@dataclass(frozen=True, slots=True)
class DocumentCard:
    """What a bare document name answers with: the document at a glance."""

    doc_id: str
    title: str
    short: str
    kind: DocKind
    issuer: str | None
    date: str | None  # YYYY-MM-DD when the text or file name states it
    chapters: tuple[str, ...]
    clause_count: int
    edition: str = ""  # the document's edition date (1993's law as amended in 2013)
    superseded: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    """What the bot says about one message, before rendering."""

    query: str
    mode: Mode
    status: Status
    hits: tuple[Hit, ...] = ()
    summary: str | None = None
    # Extra context for renderers: nearest sections, candidate documents, why nothing matched.
    note: Note = ""
    suggestions: tuple[Hit, ...] = field(default=())
    card: DocumentCard | None = None  # with note "document"
    terms: tuple[str, ...] = ()  # the question's search terms, for highlighting
    # With not_in_library: the document asked for (suggestions: the closest titles); with
    # ambiguous: the name several documents answer to (suggestions: those documents).
    missing: str = ""
