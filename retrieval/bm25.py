"""BM25Okapi over an inverted index: rank-bm25's exact scores, touching only matching postings.

rank-bm25 (the reference, kept as a test oracle) loops over every document for every query
term. Here each term has a postings list (document ids ascending, and the term-frequency part
of the formula precomputed), so a query costs O(matching postings), as in bm25s. The
arithmetic is rank-bm25's, operation for operation:

    idf(t)   = ln(N - n_t + 0.5) - ln(n_t + 0.5), negative values floored at ε · mean(idf)
    part     = tf · (k1 + 1) / (tf + k1 · (1 - b + b · |d| / avgdl))
    score(d) = Σ over query tokens, in order and with repeats, of idf(t) · part
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

K1, B, EPSILON = 1.5, 0.75, 0.25


@dataclass(frozen=True, slots=True)
class SparseBM25:
    """Postings in CSR form: term t's documents are docs[indptr[t]:indptr[t + 1]]."""

    vocab: dict[str, int]
    idf: npt.NDArray[np.float64]
    indptr: npt.NDArray[np.int64]
    docs: npt.NDArray[np.int32]
    parts: npt.NDArray[np.float64]
    doc_count: int

    @classmethod
    def build(
        cls, corpus: Iterable[Sequence[str]], progress: Callable[[int], None] | None = None
    ) -> SparseBM25:
        """Index tokenised documents (token lists, in document order)."""
        vocab: dict[str, int] = {}
        terms: list[npt.NDArray[np.int32]] = []
        docs: list[npt.NDArray[np.int32]] = []
        tfs: list[npt.NDArray[np.int64]] = []
        lengths: list[int] = []
        for number, tokens in enumerate(corpus):
            ids = np.fromiter(
                (vocab.setdefault(t, len(vocab)) for t in tokens),
                dtype=np.int32,
                count=len(tokens),
            )
            unique, counts = np.unique(ids, return_counts=True)
            terms.append(unique)
            docs.append(np.full(len(unique), number, dtype=np.int32))
            tfs.append(counts)
            lengths.append(len(tokens))
            if progress is not None:
                progress(number + 1)
        return cls.from_postings(vocab, terms, docs, tfs, lengths)

    @classmethod
    def from_postings(
        cls,
        vocab: dict[str, int],
        terms: list[npt.NDArray[np.int32]],
        docs: list[npt.NDArray[np.int32]],
        tfs: list[npt.NDArray[np.int64]],
        lengths: list[int],
    ) -> SparseBM25:
        """Assemble the CSR index from per-document (term, tf) pairs."""
        count = len(lengths)
        term_ids = np.concatenate(terms) if terms else np.zeros(0, np.int32)
        doc_ids = np.concatenate(docs) if docs else np.zeros(0, np.int32)
        tf = np.concatenate(tfs) if tfs else np.zeros(0, np.int64)
        order = np.argsort(term_ids, kind="stable")  # keeps documents ascending per term
        term_ids, doc_ids, tf = term_ids[order], doc_ids[order], tf[order]
        df = np.bincount(term_ids, minlength=len(vocab))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        avgdl = sum(lengths) / count if count else 1.0
        doc_len = np.asarray(lengths, dtype=np.int64)[doc_ids]
        parts = tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc_len / avgdl))
        return cls(vocab, _idf(df, count), indptr, doc_ids, parts, count)

    def postings(self, token: str) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64], float]:
        """The documents containing a token, their tf parts, and the token's idf."""
        term = self.vocab.get(token)
        if term is None:
            return np.zeros(0, np.int32), np.zeros(0, np.float64), 0.0
        start, end = self.indptr[term], self.indptr[term + 1]
        return self.docs[start:end], self.parts[start:end], float(self.idf[term])

    def scores_of(
        self, query: Sequence[str]
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
        """The documents that match any query token and their BM25 scores."""
        doc_chunks, score_chunks = [], []
        for token in query:
            docs, parts, idf = self.postings(token)
            if len(docs):
                doc_chunks.append(docs)
                score_chunks.append(idf * parts)
        if not doc_chunks:
            return np.zeros(0, np.int32), np.zeros(0, np.float64)
        matched, where = np.unique(np.concatenate(doc_chunks), return_inverse=True)
        # bincount adds in array order: per document, in query-token order, like rank-bm25.
        weights = np.concatenate(score_chunks)
        scores = np.bincount(where, weights=weights, minlength=len(matched)).astype(np.float64)
        return matched.astype(np.int32), scores

    def get_scores(self, query: Sequence[str]) -> npt.NDArray[np.float64]:
        """Dense scores for every document (rank-bm25's get_scores, for comparison)."""
        dense = np.zeros(self.doc_count)
        matched, scores = self.scores_of(query)
        dense[matched] = scores
        return dense

    def top(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The k best (document, score) pairs with a non-zero score; ties by document order."""
        matched, scores = self.scores_of(query)
        if not len(matched):
            return []
        if len(matched) > k:
            keep = np.argpartition(-scores, k - 1)[:k]
            cutoff = scores[keep].min()
            keep = np.flatnonzero(scores >= cutoff)
            matched, scores = matched[keep], scores[keep]
        order = np.lexsort((matched, -scores))[:k]
        return [(int(matched[i]), float(scores[i])) for i in order if scores[i] != 0]

    def contains(self, token: str, doc: int) -> bool:
        """Whether a document contains a token (binary search in its postings)."""
        docs, _, _ = self.postings(token)
        at = int(np.searchsorted(docs, doc))
        return at < len(docs) and int(docs[at]) == doc


def _idf(df: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.float64]:
    """rank-bm25's idf with its epsilon floor, summed in the same (first-seen) order."""
    values = [math.log(count - int(n) + 0.5) - math.log(int(n) + 0.5) for n in df]
    idf = np.asarray(values, dtype=np.float64)
    if len(values):
        eps = EPSILON * (sum(values) / len(values))
        idf[idf < 0] = eps
    return idf
