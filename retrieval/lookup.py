"""Find the clauses a reference points to in one document, or the nearest existing ones."""

from __future__ import annotations

from retrieval.model import Clause, ClauseRef, Document

_NEAREST = 3


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


def find(doc: Document, ref: ClauseRef) -> list[Clause]:
    """Clauses of `doc` the reference names; several when it names a container or chapter."""
    wanted = _wanted(doc, ref)
    if wanted is None:
        return []
    level, number, outer = wanted
    if level == "chapter":
        chapter = [c for c in doc.clauses if _number(c, "chapter") == number]
        return chapter
    if level == "paragraph":
        return [c for c in doc.clauses if _number(c, "paragraph") == number]
    exact = [
        c
        for c in doc.clauses
        if _number(c, level) == number and _fits(c, outer, doc.continuous_sections)
    ]
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
