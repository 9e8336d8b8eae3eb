"""A BM25 index patched for a changed corpus: the arrays a rebuild would give, without one.

A one-file change keeps almost every clause: their postings are renumbered (a removed
document's clauses dropped, a new one's inserted where its file sorts), the new clauses'
postings merged in, and idf and every weight recomputed with numpy. The vocabulary stays in
first-seen order — the order `SparseBM25.from_counts` assigns ids in, which idf's epsilon
floor sums in — because each posting keeps its term's rank among its clause's distinct terms:
a term's first posting (lowest clause, then rank) says where it is first seen.

Only what is the size of the vocabulary or of the clauses is held (issue 25: a reload runs
beside the library answering, within 1.3× its memory): the postings, clauses, term
frequencies, ranks and weights, are made a block of terms at a time, for the cache to write.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from retrieval.search.bm25 import (
    MAX_DISTINCT_TERMS,
    SparseBM25,
    average_length,
    idf_of_counts,
    posting_weights,
)

# Postings made at a time: temporaries of 2^16 values (under 1 MB each), not of the index.
# Smaller blocks cost more calls; larger ones grow the heap the library answering shares.
BLOCK = 1 << 16


@dataclass(frozen=True, slots=True)
class Added:
    """A new clause's counted tokens and its number in the new library."""

    number: int
    terms: Sequence[str]
    tfs: Sequence[int]
    length: int


@dataclass(frozen=True, slots=True)
class Postings:
    """A block of the patched index's postings, in (term, clause) order."""

    docs: npt.NDArray[np.int32]
    tfs: npt.NDArray[np.uint16]
    ranks: npt.NDArray[np.uint16]
    weights: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Patched:
    """The patched index: vocabulary, idf, indptr and clause lengths in memory, the postings
    made a block at a time (`blocks`) from the old index and the added clauses."""

    vocab: dict[str, int]
    idf: npt.NDArray[np.float64]
    indptr: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int32]
    doc_count: int
    # How: the old index's (indptr, clauses, tfs, ranks), its clauses' new numbers, each
    # term's id before (the old index's, or past it a new one's) and the added postings
    # (terms, clauses, tfs, ranks) in (new term, clause) order.
    old: tuple[npt.NDArray[Any], ...]
    renumber: npt.NDArray[np.int32]
    seen: npt.NDArray[np.int64]
    added: tuple[npt.NDArray[Any], ...]
    block: int

    @property
    def postings(self) -> int:
        return int(self.indptr[-1])

    def blocks(self) -> Iterator[Postings]:
        """The postings, a run of terms of at most `block` postings (or one term) at a time."""
        avgdl = average_length(self.lengths)
        for first, last in _runs(self.indptr, self.block):
            terms, docs, tfs, ranks = self._block(first, last)
            weights = posting_weights(tfs, self.lengths[docs], self.idf[terms], avgdl)
            yield Postings(docs, tfs, ranks, weights)

    def whole(self) -> SparseBM25:
        """The patched index in memory (for a small library, or to compare)."""
        blocks = list(self.blocks())

        def joined(name: str, kind: type[np.generic]) -> npt.NDArray[Any]:
            return np.concatenate([getattr(b, name) for b in blocks] or [np.zeros(0, kind)])

        return SparseBM25(
            self.vocab,
            self.idf,
            self.indptr,
            joined("docs", np.int32),
            joined("weights", np.float64),
            self.doc_count,
            joined("tfs", np.uint16),
            joined("ranks", np.uint16),
            self.lengths,
        )

    def _block(self, first: int, last: int) -> tuple[npt.NDArray[Any], ...]:
        """New terms first..last-1's postings: (terms, clauses, tfs, ranks)."""
        indptr, old_docs, old_tfs, old_ranks = self.old
        ids = self.seen[first:last]
        mine = ids < len(indptr) - 1
        low = indptr[ids[mine]]
        sizes = indptr[ids[mine] + 1] - low
        # Each old term's postings in turn, where they were: positions of a block's size.
        where = np.repeat(low - (np.cumsum(sizes) - sizes), sizes) + np.arange(sizes.sum())
        terms = np.repeat(np.arange(first, last)[mine], sizes)
        docs = self.renumber[old_docs[where]]
        tfs, ranks = old_tfs[where], old_ranks[where]
        keep = docs >= 0
        if not bool(keep.all()):
            terms, docs, tfs, ranks = terms[keep], docs[keep], tfs[keep], ranks[keep]
        new_terms, new_docs, new_tfs, new_ranks = self.added
        low_new, high_new = np.searchsorted(new_terms, [first, last]).tolist()
        if low_new < high_new:
            # Kept postings are in (term, clause) order; the few new ones go in by bisection.
            keys = (terms.astype(np.int64) << 32) | docs
            at = np.searchsorted(
                keys, (new_terms[low_new:high_new] << 32) | new_docs[low_new:high_new]
            )
            terms = np.insert(terms, at, new_terms[low_new:high_new])
            docs = np.insert(docs, at, new_docs[low_new:high_new])
            tfs = np.insert(tfs, at, new_tfs[low_new:high_new])
            ranks = np.insert(ranks, at, new_ranks[low_new:high_new])
        return terms, docs, tfs, ranks


def patched(
    index: SparseBM25,
    renumber: npt.NDArray[np.int64],
    added: Sequence[Added],
    count: int,
    block: int = BLOCK,
) -> SparseBM25:
    """`patch`'s index in memory."""
    return patch(index, renumber, added, count, block).whole()


_UNSEEN = np.iinfo(np.int64).max


def patch(
    index: SparseBM25,
    renumber: npt.NDArray[np.int64],
    added: Sequence[Added],
    count: int,
    block: int = BLOCK,
) -> Patched:
    """The index of the new library: old clause c is clause renumber[c] (-1: gone, and the
    kept ones in their old order), the added clauses fill the other numbers of `count`."""
    if index.tfs is None or index.ranks is None or index.lengths is None:
        raise ValueError("this index keeps no term frequencies: it cannot be patched")
    vocab = dict(index.vocab)
    numbers = renumber.astype(np.int32)
    kept_df, first = _kept(index.indptr, index.docs, index.ranks, numbers, block)
    new_terms, new_docs, new_tfs, new_ranks = _postings(added, vocab)
    df = np.zeros(len(vocab), np.int64)
    df[: len(kept_df)] = kept_df
    df += np.bincount(new_terms, minlength=len(vocab))
    first = np.concatenate((first, np.full(len(vocab) - len(kept_df), _UNSEEN)))
    np.minimum.at(first, new_terms, (new_docs.astype(np.int64) << 16) | new_ranks)
    # The vocabulary in first-seen order: live terms by (first clause, rank there).
    live = np.flatnonzero(df)
    seen = live[np.argsort(first[live], kind="stable")]
    sizes = df[seen]
    indptr = np.zeros(len(seen) + 1, np.int64)
    np.cumsum(sizes, out=indptr[1:])
    words = list(vocab)  # ids were given in insertion order
    place = np.zeros(len(vocab), np.int64)
    place[seen] = np.arange(len(seen))
    terms = place[new_terms]  # the added postings' terms, numbered as in the new vocabulary
    order = np.lexsort((new_docs, terms))
    lengths = np.zeros(count, np.int32)
    kept = renumber >= 0
    lengths[renumber[kept]] = index.lengths[kept]
    for clause in added:
        lengths[clause.number] = clause.length
    return Patched(
        {words[term]: n for n, term in enumerate(seen.tolist())},
        idf_of_counts(sizes, count),
        indptr,
        lengths,
        count,
        (index.indptr, index.docs, index.tfs, index.ranks),
        numbers,
        seen,
        (terms[order], new_docs[order], new_tfs[order], new_ranks[order]),
        block,
    )


def _runs(indptr: npt.NDArray[np.int64], size: int) -> Iterator[tuple[int, int]]:
    """Consecutive terms in runs of at most `size` postings (a longer term alone)."""
    terms, first = len(indptr) - 1, 0
    while first < terms:
        last = int(np.searchsorted(indptr, indptr[first] + size, side="right")) - 1
        last = min(terms, max(last, first + 1))
        yield first, last
        first = last


def _kept(
    indptr: npt.NDArray[np.int64],
    docs: npt.NDArray[np.int32],
    ranks: npt.NDArray[np.uint16],
    renumber: npt.NDArray[np.int32],
    block: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each old term's kept postings: how many, and the first one's (clause << 16 | rank)
    in the new numbering (_UNSEEN when none), read a run of terms at a time."""
    df = np.zeros(len(indptr) - 1, np.int64)
    first = np.full(len(indptr) - 1, _UNSEEN, np.int64)
    for low, high in _runs(indptr, block):
        start, end = int(indptr[low]), int(indptr[high])
        clauses = renumber[docs[start:end]]
        keep = np.flatnonzero(clauses >= 0)
        terms = np.repeat(np.arange(low, high), np.diff(indptr[low : high + 1]))[keep]
        if not len(terms):
            continue
        df[low:high] = np.bincount(terms - low, minlength=high - low)
        heads = np.flatnonzero(np.concatenate(([True], terms[1:] != terms[:-1])))
        at = keep[heads]  # each term's first kept posting, in the block
        first[terms[heads]] = (clauses[at].astype(np.int64) << 16) | ranks[start + at]
    return df, first


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
