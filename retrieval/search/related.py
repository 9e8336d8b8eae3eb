"""Related clauses across documents: for each clause, the few clauses of other documents whose
wording treats the same matter.

Similarity is the cosine of two clauses' BM25 weight vectors over the index's own tokens
(retrieval/search/bm25.py: idf · saturated tf, length-normalised), so nothing is tokenised again.
Only distinctive words count towards it: two or more characters, no numeral, in at most
`MAX_POSTINGS` clauses. A word that common (应当, 人民政府, 数据 in the bundled policies)
says nothing about which matter a clause treats, and leaving it out bounds the work: the
pairs to add up are Σ df² over the distinctive words, not N².

A pair is shown when the cosine reaches `MIN_SIMILARITY`, the clauses share at least
`MIN_SHARED` distinctive words, each is among the other's `MAX_RELATED` most alike, they are
not copies, and they share phrasing: at least `MIN_PHRASES` of the shorter clause's
four-character pieces occur in the other. Clauses that treat one matter in two documents are
mostly drafted from one another (a law and its implementing regulation, two editions, sister
statutes); clauses that only share a field's words (guiding-ideology paragraphs, purpose
clauses) rarely share a phrase. All tuned for precision on labelled pairs (docs/evaluation.md).
A clause with no such neighbour gets none. Clauses are those of current policies and
regulations (news and commentary paragraphs restate policies and are not clauses); a clause
needs `MIN_WORDS` distinctive words to be matched at all (headings, 本法自…起施行). Editions of
one title count as one document: an older edition's article is not a related clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from retrieval.documents.dedup import title_key
from retrieval.model import Document
from retrieval.search.bm25 import SparseBM25

RELATED_KINDS = ("policy", "regulation")
MAX_RELATED = 3
MAX_POSTINGS = 150  # a word in more clauses than this is not distinctive
MIN_SIMILARITY = 0.3
MIN_SHARED = 4
MIN_WORDS = 6
MIN_PHRASES = 0.25  # share of the shorter clause's 4-character pieces found in the other
_PIECE = 4
_NOT_TEXT = re.compile(r"[\W_]+")
# Numbers and dates name no matter: two laws passed at one session share 第十次, 1993年.
_NUMBER = re.compile(r"[0-9零〇一二两三四五六七八九十百千万]")
_COPY = 0.9999  # cosine over distinctive words alone at which two clauses are copies
_BLOCK_PAIRS = 1 << 22  # pairs added up at once: a few tens of MB
_CHUNK = 1 << 22  # postings read at once for the norms


@dataclass(frozen=True, slots=True)
class Relation:
    """A clause of another document (by position in the library) and how alike the two are."""

    position: int
    similarity: float
    shared: int  # distinctive words the two clauses share


class Relations:
    """Every clause's related clauses, computed once for a library (off the event loop)."""

    def __init__(
        self,
        bm25: SparseBM25,
        groups: npt.NDArray[np.int64],
        eligible: npt.NDArray[np.bool_],
        texts: Sequence[str],
    ) -> None:
        """`groups[p]`: the document family (editions share one) of the clause at position p;
        `eligible[p]`: whether that clause may have and be a related clause; `texts[p]`: its
        text."""
        self._bm25 = bm25
        self._groups = groups
        self._eligible = eligible
        self._texts = texts
        self._found: dict[int, tuple[Relation, ...]] | None = None

    @property
    def ready(self) -> bool:
        """Whether every clause's relations are computed (of() is then a lookup)."""
        return self._found is not None

    def of(self, position: int) -> tuple[Relation, ...]:
        """The related clauses of the clause at a position, most alike first."""
        if self._found is None:
            self.build()
        assert self._found is not None
        return self._found.get(position, ())

    def build(self) -> None:
        """Compute every clause's related clauses at once (1–3 s for 67,000 clauses)."""
        if self._found is None:
            self._found = related(self._bm25, self._groups, self._eligible, self._texts)

    def count(self) -> int:
        """How many clauses have at least one related clause."""
        self.build()
        assert self._found is not None
        return len(self._found)

    def pairs(self) -> int:
        """How many pairs of clauses are shown (a pair under both its clauses counts once)."""
        self.build()
        assert self._found is not None
        return sum(map(len, self._found.values())) // 2


def related(
    bm25: SparseBM25,
    groups: npt.NDArray[np.int64],
    eligible: npt.NDArray[np.bool_],
    texts: Sequence[str],
) -> dict[int, tuple[Relation, ...]]:
    """Each clause's best `MAX_RELATED` clauses of other document families, above threshold."""
    entries = _Entries.of(bm25, eligible)
    found: dict[int, tuple[Relation, ...]] = {}
    for start, end in entries.blocks():
        rows, cols, sims, shared = _pairs(bm25, entries, groups, start, end)
        found.update(_best(rows, cols, sims, shared))
    return _phrased(_mutual(found), texts)


def phrase_share(a: str, b: str) -> float:
    """The share of the shorter text's 4-character pieces (punctuation and spaces dropped)
    that occur in the other."""
    pieces_a, pieces_b = _pieces(a), _pieces(b)
    shorter = min(len(pieces_a), len(pieces_b))
    return len(pieces_a & pieces_b) / shorter if shorter else 0.0


def _pieces(text: str) -> set[str]:
    bare = _NOT_TEXT.sub("", text)
    return {bare[i : i + _PIECE] for i in range(len(bare) - _PIECE + 1)}


def _phrased(
    found: dict[int, tuple[Relation, ...]], texts: Sequence[str]
) -> dict[int, tuple[Relation, ...]]:
    """Only pairs whose clauses share phrasing (`MIN_PHRASES`); the shown pairs are few, so
    this runs on them alone."""
    kept = {
        row: tuple(r for r in chosen if phrase_share(texts[row], texts[r.position]) >= MIN_PHRASES)
        for row, chosen in found.items()
    }
    return {row: chosen for row, chosen in kept.items() if chosen}


def _mutual(found: dict[int, tuple[Relation, ...]]) -> dict[int, tuple[Relation, ...]]:
    """Only pairs each among the other's best: a clause that has closer matches elsewhere is
    not shown under one it merely resembles (on sampled law pairs, most of the one-sided
    pairs were not about the same matter)."""
    best = {row: {r.position for r in chosen} for row, chosen in found.items()}
    kept = {
        row: tuple(r for r in chosen if row in best.get(r.position, ()))
        for row, chosen in found.items()
    }
    return {row: chosen for row, chosen in kept.items() if chosen}


@dataclass(frozen=True, slots=True)
class _Entries:
    """The distinctive words of every clause, clause by clause: row r's words are
    terms[ptr[r]:ptr[r+1]], each with its weight divided by the clause's norm."""

    ptr: npt.NDArray[np.int64]
    terms: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float64]
    norms: npt.NDArray[np.float64]
    df: npt.NDArray[np.int64]
    eligible: npt.NDArray[np.bool_]  # a policy or regulation clause with enough words
    # Each clause's cosine with itself over its distinctive words only (≤ 1: common words
    # are in the norm): two clauses whose cosine is both of these are worded alike.
    own: npt.NDArray[np.float64]

    @classmethod
    def of(cls, bm25: SparseBM25, eligible: npt.NDArray[np.bool_]) -> _Entries:
        count = bm25.doc_count
        df = np.diff(bm25.indptr).astype(np.int64)
        words = np.zeros(len(df), bool)
        words[
            [t for word, t in bm25.vocab.items() if len(word) >= 2 and not _NUMBER.search(word)]
        ] = True
        norms = _norms(bm25, words)
        distinctive = np.flatnonzero(words & (df >= 2) & (df <= MAX_POSTINGS))
        term_of = np.repeat(distinctive, df[distinctive])
        chosen = _ranges(bm25.indptr[distinctive], df[distinctive])
        docs = bm25.docs[chosen]
        keep = eligible[docs]
        chosen, docs, term_of = chosen[keep], docs[keep], term_of[keep]
        order = np.argsort(docs, kind="stable")
        chosen, docs, term_of = chosen[order], docs[order], term_of[order]
        # Too few distinctive words (a heading, 本法自公布之日起施行): no relations either way.
        enough = np.bincount(docs, minlength=count) >= MIN_WORDS
        keep = enough[docs]
        chosen, docs, term_of = chosen[keep], docs[keep], term_of[keep]
        ptr = np.searchsorted(docs, np.arange(count + 1)).astype(np.int64)
        weights = bm25.weights[chosen] / norms[docs]
        own = np.bincount(docs, weights=weights**2, minlength=count).astype(np.float64)
        return cls(ptr, term_of, weights, norms, df, eligible & enough, own)

    def blocks(self) -> list[tuple[int, int]]:
        """Row ranges whose pairs number about `_BLOCK_PAIRS` each."""
        rows = np.repeat(np.arange(len(self.ptr) - 1), np.diff(self.ptr))
        cumulative = np.cumsum(np.bincount(rows, self.df[self.terms], len(self.ptr) - 1))
        out, start = [], 0
        while start < len(cumulative):
            base = cumulative[start - 1] if start else 0
            end = int(np.searchsorted(cumulative, base + _BLOCK_PAIRS, side="right"))
            out.append((start, max(end, start + 1)))
            start = max(end, start + 1)
        return out


def _pairs(
    bm25: SparseBM25,
    entries: _Entries,
    groups: npt.NDArray[np.int64],
    start: int,
    end: int,
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]
]:
    """Rows start..end against every clause sharing a distinctive word: (row, other clause,
    cosine, words shared) for the pairs that pass the thresholds."""
    first, last = entries.ptr[start], entries.ptr[end]
    terms = entries.terms[first:last]
    rows = np.repeat(np.arange(start, end, dtype=np.int64), np.diff(entries.ptr[start : end + 1]))
    n = entries.df[terms]
    left = np.repeat(np.arange(len(terms)), n)
    right = _ranges(bm25.indptr[terms], n)
    cols = bm25.docs[right].astype(np.int64)
    row_of = rows[left]
    ok = entries.eligible[cols] & (groups[cols] != groups[row_of])
    left, right, cols, row_of = left[ok], right[ok], cols[ok], row_of[ok]
    values = entries.weights[first:last][left] * bm25.weights[right] / entries.norms[cols]
    count = bm25.doc_count
    keys = (row_of - start) * count + cols
    unique, where = np.unique(keys, return_inverse=True)
    sims: npt.NDArray[np.float64] = np.bincount(where, weights=values).astype(np.float64)
    shared: npt.NDArray[np.int64] = np.bincount(where).astype(np.int64)
    good = (sims >= MIN_SIMILARITY) & (shared >= MIN_SHARED)
    kept: npt.NDArray[np.int64] = unique[good].astype(np.int64)
    rows, cols, sims, shared = kept // count + start, kept % count, sims[good], shared[good]
    # A copy of the clause under another title (the laws hold a few documents twice) is not
    # another document treating the matter: same distinctive words, same weights.
    copy = sims >= _COPY * np.sqrt(entries.own[rows] * entries.own[cols])
    return rows[~copy], cols[~copy], sims[~copy], shared[~copy]


def _best(
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    sims: npt.NDArray[np.float64],
    shared: npt.NDArray[np.int64],
) -> dict[int, tuple[Relation, ...]]:
    """Per row, its `MAX_RELATED` most alike clauses (ties: the earlier clause)."""
    found: dict[int, list[Relation]] = {}
    for at in np.lexsort((cols, -sims, rows)):
        row = int(rows[at])
        chosen = found.setdefault(row, [])
        if len(chosen) < MAX_RELATED:
            chosen.append(Relation(int(cols[at]), float(sims[at]), int(shared[at])))
    return {row: tuple(chosen) for row, chosen in found.items()}


def _norms(bm25: SparseBM25, words: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Each clause's norm over all its words, common ones too (so a clause whose distinctive
    words are a small part of its text needs more of them shared); read in chunks of
    postings, never an array the size of the index."""
    total = np.zeros(bm25.doc_count)
    for start in range(0, len(bm25.docs), _CHUNK):
        end = min(len(bm25.docs), start + _CHUNK)
        terms = np.searchsorted(bm25.indptr, np.arange(start, end), side="right") - 1
        keep = words[terms]
        total += np.bincount(
            bm25.docs[start:end][keep],
            weights=bm25.weights[start:end][keep] ** 2,
            minlength=bm25.doc_count,
        )
    norms: npt.NDArray[np.float64] = np.sqrt(total)
    norms[norms == 0] = 1.0
    return norms


def _ranges(starts: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The positions start, start + 1 … start + size - 1 of every range, one after another."""
    offsets = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(sizes) - sizes, sizes
    )
    positions: npt.NDArray[np.int64] = np.repeat(starts.astype(np.int64), sizes) + offsets
    return positions


def library_relations(bm25: SparseBM25, documents: Sequence[Document]) -> Relations:
    """Relations over a library's documents, in the index's clause order: editions of one
    title are one family; clauses of current policies and regulations are eligible."""
    sizes = np.asarray([len(d.clauses) for d in documents], np.int64)
    numbers: dict[str, int] = {}
    family = [numbers.setdefault(title_key(d.title), len(numbers)) for d in documents]
    eligible = [d.kind in RELATED_KINDS and not d.superseded for d in documents]
    return Relations(
        bm25,
        np.repeat(np.asarray(family, np.int64), sizes),
        np.repeat(np.asarray(eligible, bool), sizes),
        [c.text for d in documents for c in d.clauses],
    )
