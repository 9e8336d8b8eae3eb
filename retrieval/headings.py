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
from collections.abc import Iterator, Sequence
from itertools import islice

from retrieval.model import Clause
from retrieval.normalize import fold_for_search, strip_name_marks


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
        squashed: dict[str, str] = {}  # a corpus repeats its headings: normalise each once

        def name(text: str) -> str:
            if text not in squashed:
                squashed[text] = strip_name_marks(fold_for_search(text))
            return squashed[text]

        path_ids: dict[tuple[str, ...], int] = {}
        raw_ids: dict[tuple[tuple[str, ...], str | None], int] = {}
        positions: list[array[int]] = []
        for position, clause in enumerate(clauses):
            raw = (clause.breadcrumb, clause.heading)
            number = raw_ids.get(raw, -1)
            if number < 0:
                path = tuple(name(h) for h in (*clause.breadcrumb, clause.heading or ""))
                number = raw_ids[raw] = path_ids.setdefault(path, len(path_ids))
            if number == len(positions):
                positions.append(array("q"))
            positions[number].append(position)
        self._paths = list(path_ids)
        self._positions = positions
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
