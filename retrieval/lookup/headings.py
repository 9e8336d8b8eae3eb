"""Clauses by their headings (总体要求 主要目标), found through an index built once at load.

A clause's names are its breadcrumb and its heading, normalised and squashed. Clauses sharing
the same names form one path; a query checks each path whose heading contains its last word
once, then reads the matching clauses in corpus order, stopping at the few it returns.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice

from retrieval.model import Clause
from retrieval.words.normalize import Folded, fold_for_search, strip_name_marks


def in_order(keys: Sequence[str], names: Sequence[str]) -> bool:
    """Every key occurs in one of the names, in order."""
    position = 0
    for key in keys:
        while position < len(names) and key not in names[position]:
            position += 1
        if position == len(names):
            return False
        position += 1
    return True


class Headings:
    """Clause positions by their (squashed) breadcrumb-and-heading path."""

    def __init__(self, clauses: Sequence[Clause]) -> None:
        groups: dict[tuple[tuple[str, ...], str | None], array[int]] = {}
        for position, clause in enumerate(clauses):
            groups.setdefault((clause.breadcrumb, clause.heading), array("q")).append(position)
        self._index((crumbs, heading, p) for (crumbs, heading), p in groups.items())

    @classmethod
    def grouped(
        cls,
        groups: Iterable[tuple[tuple[str, ...], str | None, array[int]]],
        fold: Callable[[str], Folded] = fold_for_search,
    ) -> Headings:
        """The index from (breadcrumb, heading, clause positions in order) groups, as a
        cached clause table gives them without making each clause (and `fold`, its folded
        texts)."""
        headings = cls.__new__(cls)
        headings._index(groups, fold)
        return headings

    def _index(
        self,
        groups: Iterable[tuple[tuple[str, ...], str | None, array[int]]],
        fold: Callable[[str], Folded] = fold_for_search,
    ) -> None:
        squashed: dict[str, str] = {}  # a corpus repeats its headings: normalise each once

        def name(text: str) -> str:
            if text not in squashed:
                squashed[text] = strip_name_marks(fold(text))
            return squashed[text]

        path_ids: dict[tuple[str, ...], int] = {}
        parts: list[list[array[int]]] = []  # several spellings may share one path
        for crumbs, heading, found in groups:
            path = tuple(name(h) for h in (*crumbs, heading or ""))
            number = path_ids.setdefault(path, len(path_ids))
            if number == len(parts):
                parts.append([])
            parts[number].append(found)
        self._paths = list(path_ids)
        self._positions = [p[0] if len(p) == 1 else array("q", heapq.merge(*p)) for p in parts]
        self._by_heading: dict[str, list[int]] = defaultdict(list)
        for number, path in enumerate(self._paths):
            self._by_heading[path[-1]].append(number)
        # Character and bigram postings over the distinct headings, for "heading contains".
        self._grams: dict[str, list[str]] = defaultdict(list)
        for heading in self._by_heading:
            for gram in {*heading, *(heading[i : i + 2] for i in range(len(heading) - 1))}:
                self._grams[gram].append(heading)

    def find(
        self, keys: Sequence[str], within: Sequence[tuple[int, int]] | None, limit: int
    ) -> list[int]:
        """Positions (in corpus order, at most `limit`) of clauses whose names contain the
        keys in order, the last in the heading; `within` restricts to [start, end) ranges."""
        paths = [
            number
            for heading in self._headings(keys[-1])
            for number in self._by_heading[heading]
            if in_order(keys, self._paths[number])
        ]
        if within is None:
            merged: Iterator[int] = heapq.merge(*(self._positions[n] for n in paths))
            return list(islice(merged, limit))
        found: list[int] = []
        for start, end in within:
            for number in paths:
                clauses = self._positions[number]
                first = bisect_left(clauses, start)
                last = min(bisect_left(clauses, end), first + limit)
                found.extend(clauses[first:last])
            if len(found) >= limit:
                break
        return sorted(found)[:limit]

    def _headings(self, key: str) -> list[str]:
        """Distinct headings containing the key."""
        if not key:
            return list(self._by_heading)
        grams = [key[i : i + 2] for i in range(len(key) - 1)] or [key]
        rarest = min(grams, key=lambda g: len(self._grams.get(g, ())))
        return [h for h in self._grams.get(rarest, ()) if key in h]
