"""BM25Okapi over an inverted index: rank-bm25's exact scores, from matching postings only.

rank-bm25 (the reference, kept as a test oracle) loops over every document for every query
term. Here each term has a postings list (document ids ascending) with its whole contribution
precomputed, so a query adds up only the postings of its terms — into a dense score vector,
with one memset of the corpus size, as bm25s does — then takes the top k. The arithmetic is
rank-bm25's, operation for operation, so scores are equal to the last bit:

    idf(t)   = ln(N - n_t + 0.5) - ln(n_t + 0.5), negative values floored at ε · mean(idf)
    weight   = idf(t) · (tf · (k1 + 1) / (tf + k1 · (1 - b + b · |d| / avgdl)))
    score(d) = Σ over query tokens, in order and with repeats, of weight(t, d)
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
    weights: npt.NDArray[np.float64]
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
        idf = _idf(df, count)
        weights = idf[term_ids] * parts
        return cls(vocab, idf, indptr, doc_ids, weights, count)

    def postings(self, token: str) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
        """The documents containing a token and the token's score in each."""
        term = self.vocab.get(token)
        if term is None:
            return np.zeros(0, np.int32), np.zeros(0, np.float64)
        start, end = self.indptr[term], self.indptr[term + 1]
        return self.docs[start:end], self.weights[start:end]

    def get_scores(self, query: Sequence[str]) -> npt.NDArray[np.float64]:
        """Dense scores for every document, as rank-bm25's get_scores returns them."""
        doc_chunks, weight_chunks = [], []
        for token in query:
            docs, weights = self.postings(token)
            doc_chunks.append(docs)
            weight_chunks.append(weights)
        if not doc_chunks:
            return np.zeros(self.doc_count)
        # bincount adds in array order: per document, in query-token order, like rank-bm25.
        return np.bincount(
            np.concatenate(doc_chunks),
            weights=np.concatenate(weight_chunks),
            minlength=self.doc_count,
        ).astype(np.float64)

    def top(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The k best (document, score) pairs with a non-zero score; ties by document order."""
        scores = self.get_scores(query)
        if k < len(scores):
            cutoff = scores[np.argpartition(-scores, k - 1)[:k]].min()
            candidates = np.flatnonzero(scores >= cutoff)
        else:
            candidates = np.arange(len(scores))
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:k]
        return [(int(d), float(scores[d])) for d in order if scores[d] != 0]

    def contains(self, token: str, doc: int) -> bool:
        """Whether a document contains a token (binary search in its postings)."""
        docs, _ = self.postings(token)
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
