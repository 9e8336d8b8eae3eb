"""A BM25 index patched for a changed corpus: the arrays a rebuild would give, without one.

A one-file change keeps almost every clause: their postings are renumbered (a removed
document's clauses dropped, a new one's inserted where its file sorts), the new clauses'
postings merged in, and idf and every weight recomputed with numpy. The vocabulary stays in
first-seen order — the order `SparseBM25.from_counts` assigns ids in, which idf's epsilon
floor sums in — because each posting keeps its term's rank among its clause's distinct terms:
a term's first posting (lowest clause, then rank) says where it is first seen.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.search.bm25 import MAX_DISTINCT_TERMS, SparseBM25, bm25_weights, idf_of_counts


@dataclass(frozen=True, slots=True)
class Added:
    """A new clause's counted tokens and its number in the new library."""

    number: int
    terms: Sequence[str]
    tfs: Sequence[int]
    length: int


def patched(
    index: SparseBM25,
    renumber: npt.NDArray[np.int64],
    added: Sequence[Added],
    count: int,
) -> SparseBM25:
    """The index of the new library: old clause c is clause renumber[c] (-1: gone, and the
    kept ones in their old order), the added clauses fill the other numbers of `count`."""
    if index.tfs is None or index.ranks is None or index.lengths is None:
        raise ValueError("this index keeps no term frequencies: it cannot be patched")
    vocab = dict(index.vocab)
    terms, docs, tfs, ranks = _kept(index.indptr, index.docs, index.tfs, index.ranks, renumber)
    new_terms, new_docs, new_tfs, new_ranks = _postings(added, vocab)
    if len(new_terms):
        # Kept postings are in (term, clause) order; the few new ones go in by bisection.
        order = np.lexsort((new_docs, new_terms))
        at = _places(terms, docs, new_terms[order], new_docs[order])
        terms = np.insert(terms, at, new_terms[order])
        docs = np.insert(docs, at, new_docs[order])
        tfs = np.insert(tfs, at, new_tfs[order])
        ranks = np.insert(ranks, at, new_ranks[order])
    lengths = np.zeros(count, np.int32)
    kept = renumber >= 0
    lengths[renumber[kept]] = index.lengths[kept]
    for clause in added:
        lengths[clause.number] = clause.length
    df = np.bincount(terms, minlength=len(vocab)).astype(np.int64)
    del terms  # one index-sized array fewer beside the library answering
    starts = np.zeros(len(vocab) + 1, np.int64)
    np.cumsum(df, out=starts[1:])
    # The vocabulary in first-seen order: live terms by (first clause, rank there).
    live = np.flatnonzero(df)
    first = starts[live]
    seen = live[np.argsort((docs[first].astype(np.int64) << 16) | ranks[first], kind="stable")]
    if len(seen) != len(vocab) or np.any(seen != np.arange(len(vocab))):
        sizes = df[seen]
        indptr = np.zeros(len(seen) + 1, np.int64)
        np.cumsum(sizes, out=indptr[1:])
        docs, tfs, ranks = _reordered(seen, starts, indptr, (docs, tfs, ranks))
        words = list(vocab)  # ids were given in insertion order
        vocab = {words[term]: n for n, term in enumerate(seen.tolist())}
        df = sizes
    else:
        indptr = starts
    idf = idf_of_counts(df, count)
    weights = bm25_weights(tfs, docs, indptr, idf, lengths)
    return SparseBM25(vocab, idf, indptr, docs, weights, count, tfs, ranks, lengths)


_CHUNK = 1 << 18  # postings moved at a time when terms are renumbered


def _reordered(
    seen: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    indptr: npt.NDArray[np.int64],
    arrays: tuple[npt.NDArray[Any], ...],
) -> list[npt.NDArray[Any]]:
    """The postings with term seen[j]'s block moved to indptr[j], a chunk at a time (no
    index-sized array of positions)."""
    out = [np.empty(int(indptr[-1]), a.dtype) for a in arrays]
    for start in range(0, int(indptr[-1]), _CHUNK):
        where = np.arange(start, min(start + _CHUNK, int(indptr[-1])))
        term = np.searchsorted(indptr, where, side="right") - 1
        source = starts[seen[term]] + (where - indptr[term])
        for new, old in zip(out, arrays, strict=True):
            new[where[0] : where[-1] + 1] = old[source]
    return out


def _places(
    terms: npt.NDArray[np.int32],
    docs: npt.NDArray[np.int32],
    new_terms: npt.NDArray[np.int32],
    new_docs: npt.NDArray[np.int32],
) -> npt.NDArray[np.int64]:
    """Where each new posting goes among the kept ones (both in (term, clause) order): its
    term's block found by bisection, then its clause inside the block — no key array the
    size of the index."""
    low = np.searchsorted(terms, new_terms, side="left").tolist()
    high = np.searchsorted(terms, new_terms, side="right").tolist()
    clauses = docs.data
    return np.asarray(
        [
            bisect_left(clauses, doc, lo, hi)
            for doc, lo, hi in zip(new_docs.tolist(), low, high, strict=True)
        ],
        np.int64,
    )


def _kept(
    indptr: npt.NDArray[np.int64],
    old_docs: npt.NDArray[np.int32],
    old_tfs: npt.NDArray[np.uint16],
    old_ranks: npt.NDArray[np.uint16],
    renumber: npt.NDArray[np.int64],
) -> tuple[
    npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.uint16], npt.NDArray[np.uint16]
]:
    """The postings of the kept clauses, renumbered: (terms, clauses, tfs, ranks)."""
    sizes = np.diff(indptr)
    terms = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    docs = renumber.astype(np.int32)[old_docs]
    keep = docs >= 0
    if bool(keep.all()):
        return terms, docs, old_tfs, old_ranks
    return terms[keep], docs[keep], old_tfs[keep], old_ranks[keep]


def _postings(
    added: Sequence[Added], vocab: dict[str, int]
) -> tuple[
    npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.uint16], npt.NDArray[np.uint16]
]:
    """The added clauses' postings (terms new to the library get the next ids)."""
    terms: list[int] = []
    docs: list[int] = []
    tfs: list[int] = []
    ranks: list[int] = []
    for clause in added:
        if len(clause.terms) > MAX_DISTINCT_TERMS:
            raise ValueError("a document has more than 65,536 distinct tokens")
        terms += [vocab.setdefault(t, len(vocab)) for t in clause.terms]
        docs += [clause.number] * len(clause.terms)
        tfs += clause.tfs
        ranks += range(len(clause.terms))
    return (
        np.asarray(terms, np.int32),
        np.asarray(docs, np.int32),
        np.asarray(tfs, np.uint16),
        np.asarray(ranks, np.uint16),
    )
