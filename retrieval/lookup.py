"""Find the clauses a reference points to in one document, or the nearest existing ones."""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from retrieval.model import Clause, ClauseRef, Document

_NEAREST = 3
Steps = dict[tuple[str, int], tuple[int, ...]]  # (level, number) → clause indices in a doc


def _number(clause: Clause, level: str) -> int | None:
    return next((n for lvl, n in clause.path if lvl == level), None)


def _wanted(doc: Document, ref: ClauseRef) -> tuple[str, int, dict[str, int]] | None:
    """The level and number the reference asks for, and the outer numbers it fixes."""
    outer: dict[str, int] = {}
    if ref.chapter is not None:
        outer["chapter"] = ref.chapter
    if ref.paragraph is not None:
        return "paragraph", ref.paragraph, {}
    if ref.numbered is not None:
        if doc.kind == "regulation":
            return "article", ref.numbered, {}
        return "section", ref.numbered, outer
    if ref.item is not None:
        if ref.section is not None:
            outer["section"] = ref.section
        return "item", ref.item, outer
    if ref.section is not None:
        return "section", ref.section, outer
    if ref.chapter is not None:
        return "chapter", ref.chapter, {}
    return None


def _fits(clause: Clause, outer: dict[str, int], continuous: bool) -> bool:
    for level, number in outer.items():
        # Continuous numbering makes （十） unique, so a stated chapter is only a hint.
        if level == "chapter" and continuous and _number(clause, "section") is not None:
            continue
        if _number(clause, level) != number:
            return False
    return True


def steps(doc: Document) -> Steps:
    """Which clauses of a document carry each (level, number), in reading order."""
    found: dict[tuple[str, int], list[int]] = defaultdict(list)
    for index, clause in enumerate(doc.clauses):
        for level in dict.fromkeys(lvl for lvl, _ in clause.path):
            number = _number(clause, level)
            if number is not None:
                found[(level, number)].append(index)
    return {key: tuple(indices) for key, indices in found.items()}


def find(doc: Document, ref: ClauseRef, numbered: Steps | None = None) -> list[Clause]:
    """Clauses of `doc` the reference names; several when it names a container or chapter.

    `numbered` is the document's `steps`, when the caller keeps them."""
    wanted = _wanted(doc, ref)
    if wanted is None:
        return []
    level, number, outer = wanted
    numbered = steps(doc) if numbered is None else numbered
    carrying = [doc.clauses[i] for i in numbered.get((level, number), ())]
    if level in ("chapter", "paragraph"):
        return carrying
    exact = [c for c in carrying if _fits(c, outer, doc.continuous_sections)]
    if level == "section" and not doc.continuous_sections and "chapter" not in outer:
        # （三） alone is ambiguous when every chapter restarts at （一）.
        chapters = {_number(c, "chapter") for c in exact}
        if len(chapters) > 1:
            return []
    direct = [c for c in exact if c.path[-1] == (level, number)]
    return direct or exact


def nearest(doc: Document, ref: ClauseRef) -> list[Clause]:
    """Existing clauses closest to a number that does not exist (same level, same chapter)."""
    wanted = _wanted(doc, ref)
    if wanted is None:
        return list(doc.clauses[:_NEAREST])
    level, number, outer = wanted
    pool = [c for c in doc.clauses if c.path and c.path[-1][0] == level]
    same_scope = [c for c in pool if _fits(c, outer, doc.continuous_sections)]
    pool = same_scope or pool or [c for c in doc.clauses if c.kind != "preamble"]
    pool.sort(key=lambda c: (abs((_number(c, level) or 0) - number), -(_number(c, level) or 0)))
    return sorted(pool[:_NEAREST], key=lambda c: c.ordinal)


class Numbers:
    """Which documents carry each (level, number), built once at load, and each document's
    steps on demand: a reference without a document name visits only documents it fits."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = tuple(documents)
        holding: dict[tuple[str, int], array[int]] = defaultdict(lambda: array("i"))
        for position, doc in enumerate(self.documents):
            keys = {
                (level, number)
                for clause in doc.clauses
                for level, number in clause.path
                if number == _number(clause, level)
            }
            for key in keys:
                holding[key].append(position)
        self._holding = dict(holding)
        self._steps = lru_cache(maxsize=256)(self._doc_steps)

    def _doc_steps(self, position: int) -> Steps:
        return steps(self.documents[position])

    def find(self, position: int, ref: ClauseRef) -> list[Clause]:
        """`find` in the document at this position, with its steps cached."""
        return find(self.documents[position], ref, self._steps(position))

    def holding(self, ref: ClauseRef) -> list[int]:
        """Positions (in document order) of the documents that may hold the reference."""
        keys = [
            (level, number)
            for doc_kind in ("regulation", "policy")
            if (wanted := _wanted(_KIND[doc_kind], ref)) is not None
            for level, number, _ in (wanted,)
        ]
        return sorted({p for key in dict.fromkeys(keys) for p in self._holding.get(key, ())})

    def closest(self, ref: ClauseRef, limit: int) -> list[Clause]:
        """Up to two nearest clauses a document, in document order, until `limit`."""
        out: list[Clause] = []
        for doc in self.documents:
            if len(out) >= limit:
                break
            out.extend(nearest(doc, ref)[:2])
        return out


# `_wanted` looks at a document only for its kind: stand-ins of each kind.
_KIND = {
    kind: Document(doc_id="", title="", kind=kind, clauses=(), sources=())
    for kind in ("regulation", "policy")
}
