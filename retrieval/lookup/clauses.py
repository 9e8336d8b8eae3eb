"""Find the clauses a reference points to in one document, or the nearest existing ones."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from retrieval.model import Clause, ClauseRef, Document, PathStep, Step
from retrieval.storage import clause_table

_NEAREST = 3
Carrying = Callable[[Step, int], Sequence[int]]  # (level, number) → clause indices in a doc


def _number(path: tuple[PathStep, ...], level: Step) -> int | None:
    return next((n for lvl, n in path if lvl == level), None)


def _wanted(doc: Document, ref: ClauseRef) -> tuple[Step, int, dict[Step, int]] | None:
    """The level and number the reference asks for, and the outer numbers it fixes."""
    outer: dict[Step, int] = {}
    if ref.chapter is not None:
        outer["chapter"] = ref.chapter
    if ref.paragraph is not None:
        return "paragraph", ref.paragraph, {}
    if ref.numbered is not None and ref.sub is not None:
        return "sub", ref.sub, {"article": ref.numbered}
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


def _article_of(ref: ClauseRef) -> ClauseRef:
    """第二十四条之一 where the article has no 之一 articles: its nearest are 第二十四条's."""
    return replace(ref, sub=None)


def _fits(path: tuple[PathStep, ...], outer: dict[Step, int], continuous: bool) -> bool:
    for level, number in outer.items():
        # Continuous numbering makes （十） unique, so a stated chapter is only a hint.
        if level == "chapter" and continuous and _number(path, "section") is not None:
            continue
        if _number(path, level) != number:
            return False
    return True


def find(doc: Document, ref: ClauseRef, carrying: Carrying | None = None) -> list[Clause]:
    """Clauses of `doc` the reference names; several when it names a container or chapter.

    `carrying` gives the indices of the clauses numbered (level, number), from an index."""
    wanted = _wanted(doc, ref)
    if wanted is None:
        return []
    level, number, outer = wanted
    if carrying is None:
        numbered = [c for c in doc.clauses if _number(c.path, level) == number]
    else:
        numbered = [doc.clauses[i] for i in carrying(level, number)]
    if level in ("chapter", "paragraph"):
        return numbered
    exact = [c for c in numbered if _fits(c.path, outer, doc.continuous_sections)]
    if level == "section" and not doc.continuous_sections and "chapter" not in outer:
        # （三） alone is ambiguous when every chapter restarts at （一）.
        chapters = {_number(c.path, "chapter") for c in exact}
        if len(chapters) > 1:
            return []
    direct = [c for c in exact if c.path[-1] == (level, number)]
    return direct or exact


def nearest(doc: Document, ref: ClauseRef) -> list[Clause]:
    """Existing clauses closest to a number that does not exist (same level, same chapter).

    Read from the clauses' numbering paths: only the few returned are made (clause_table)."""
    wanted = _wanted(doc, ref)
    if wanted is None:
        return list(doc.clauses[:_NEAREST])
    level, number, outer = wanted
    shapes = clause_table.shapes(doc.clauses)
    pool = [i for i, (_, _, path) in enumerate(shapes) if path and path[-1][0] == level]
    same_scope = [i for i in pool if _fits(shapes[i][2], outer, doc.continuous_sections)]
    if level == "sub" and not same_scope:
        return nearest(doc, _article_of(ref))
    pool = same_scope or pool or [i for i, s in enumerate(shapes) if s[1] != "preamble"]

    def distance(index: int) -> tuple[int, int]:
        found = _number(shapes[index][2], level) or 0
        return abs(found - number), -found

    pool.sort(key=distance)
    return [doc.clauses[i] for i in sorted(pool[:_NEAREST], key=lambda i: shapes[i][0])]


class Numbers:
    """Which clauses carry each (level, number), corpus-wide, built once at load: a reference
    visits only the documents and clauses it fits, with or without a document name."""

    def __init__(
        self,
        documents: Sequence[Document],
        carrying: dict[PathStep, array[int]] | None = None,
    ) -> None:
        """`carrying`, when given, is the index already read from a cached clause table."""
        self.documents = tuple(documents)
        self._starts = array("q")
        start = 0
        for doc in self.documents:
            self._starts.append(start)
            start += len(doc.clauses)
        self._starts.append(start)
        if carrying is None:
            carrying = defaultdict(lambda: array("i"))
            for position, clause in enumerate(c for d in self.documents for c in d.clauses):
                # Reversed, a level's first step is the one the dict keeps (as `_number`).
                for step in dict(reversed(clause.path)).items():
                    carrying[step].append(position)
        self._carrying = dict(carrying)
        self._position = {d.doc_id: n for n, d in enumerate(self.documents)}
        # The numbers each level carries, ascending: `nearest` walks out from a missing one.
        self._levels: dict[Step, list[int]] = defaultdict(list)
        for level, number in sorted(self._carrying):
            self._levels[level].append(number)

    def within(self, doc: Document, ref: ClauseRef) -> list[Clause]:
        """`find` in this document through the index: only the clauses it names are read."""
        position = self._position.get(doc.doc_id)
        if position is None or self.documents[position] is not doc:
            return find(doc, ref)
        return self.find(position, ref)

    def find(self, position: int, ref: ClauseRef) -> list[Clause]:
        """`find` in the document at this position, through the corpus-wide index."""
        start, end = self._starts[position], self._starts[position + 1]

        def carrying(level: Step, number: int) -> Sequence[int]:
            clauses = self._carrying.get((level, number), ())
            first, last = bisect_left(clauses, start), bisect_left(clauses, end)
            return [p - start for p in clauses[first:last]]

        return find(self.documents[position], ref, carrying)

    def holding(self, ref: ClauseRef) -> list[int]:
        """Positions (in document order) of the documents that may hold the reference."""
        keys = [
            (level, number)
            for doc_kind in ("regulation", "policy")
            if (wanted := _wanted(_KIND[doc_kind], ref)) is not None
            for level, number, _ in (wanted,)
        ]
        found = {
            bisect_right(self._starts, p) - 1
            for key in dict.fromkeys(keys)
            for p in self._carrying.get(key, ())
        }
        return sorted(found)

    def nearest(self, doc: Document, ref: ClauseRef) -> list[Clause]:
        """`nearest` through the index: numbers are visited closest first, reading only the
        paths of the clauses carrying them; only the few returned are made."""
        position = self._position.get(doc.doc_id)
        wanted = _wanted(doc, ref)
        if position is None or self.documents[position] is not doc or wanted is None:
            return nearest(doc, ref)
        level, number, outer = wanted
        start, end = self._starts[position], self._starts[position + 1]
        pool: list[int] = []  # the first few of the level, should none be in scope
        same_scope: list[int] = []
        for carried in self._outward(level, number):
            clauses = self._carrying[(level, carried)]
            for p in clauses[bisect_left(clauses, start) : bisect_left(clauses, end)]:
                path = clause_table.path(doc.clauses, p - start)
                if path[-1][0] != level:
                    continue
                if len(pool) < _NEAREST:
                    pool.append(p - start)
                if _fits(path, outer, doc.continuous_sections):
                    same_scope.append(p - start)
            if len(same_scope) >= _NEAREST:
                break
        if level == "sub" and not same_scope:
            return self.nearest(doc, _article_of(ref))
        if not pool:
            return nearest(doc, ref)  # no clause of that level: any clause, by a scan
        chosen = [doc.clauses[i] for i in (same_scope or pool)[:_NEAREST]]
        return sorted(chosen, key=lambda c: c.ordinal)

    def _outward(self, level: Step, number: int) -> Iterator[int]:
        """The numbers the level carries, closest to `number` first, the larger on a tie
        (as `nearest` orders them)."""
        numbers = self._levels.get(level, [])
        above = bisect_left(numbers, number)
        below = above - 1
        while below >= 0 or above < len(numbers):
            if above < len(numbers) and (
                below < 0 or numbers[above] - number <= number - numbers[below]
            ):
                yield numbers[above]
                above += 1
            else:
                yield numbers[below]
                below -= 1

    def closest(self, ref: ClauseRef, limit: int) -> list[Clause]:
        """Up to two nearest clauses a document, in document order, until `limit`."""
        out: list[Clause] = []
        for doc in self.documents:
            if len(out) >= limit:
                break
            out.extend(self.nearest(doc, ref)[:2])
        return out


# `_wanted` looks at a document only for its kind: stand-ins of each kind.
_KIND = {
    kind: Document(doc_id="", title="", kind=kind, clauses=(), sources=())
    for kind in ("regulation", "policy")
}
