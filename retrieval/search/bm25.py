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
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

K1, B, EPSILON = 1.5, 0.75, 0.25
# Packed posting keys: term (23 bits) | document (24 bits) | rank (16 bits), the rank being
# the term's place among its clause's distinct terms (first-seen order): what a patch needs
# to keep the vocabulary in first-seen order (retrieval/search/patching.py).
_RANK_BITS, _DOC_BITS, _TERM_BITS = 16, 24, 23
_TERM_SHIFT = _RANK_BITS + _DOC_BITS
_RANK_MAX = _TF_MAX = (1 << 16) - 1
MAX_TERM_FREQUENCY = _TF_MAX  # a token repeated more often in one clause cannot be indexed
MAX_DISTINCT_TERMS = _RANK_MAX + 1  # nor a clause of more distinct tokens
_CHUNK = 1 << 22
# Weights are computed this many postings at a time: five float64 temporaries of 2 MB each,
# not of the whole index (a patch runs beside the library answering: issue 25's 1.3×).
_WEIGHT_CHUNK = 1 << 18
_SMALL_GROUPS = 5000  # clauses up to which groups are scored in plain Python
_FEW_RANGES = 16  # a scope of up to this many ranges reads only its postings; else a mask
_SORTED_REACH = 32  # a group's postings below 1/32 of the corpus: sorted, else a pass
_GROUP_MEMO = 2_000_000  # (document, score) pairs of groups remembered (~32 MB at most)
# Stand-ins for one question word: each a term's tokens and the weight it counts at.
Group = Sequence[tuple[Sequence[str], float]]


@dataclass(frozen=True, slots=True)
class SparseBM25:
    """Postings in CSR form: term t's documents are docs[indptr[t]:indptr[t + 1]]."""

    vocab: dict[str, int]
    idf: npt.NDArray[np.float64]
    indptr: npt.NDArray[np.int64]
    docs: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float64]
    doc_count: int
    # What a patch reads (retrieval/search/patching.py): each posting's term frequency and
    # rank, each clause's token count. None for an index that cannot be patched.
    tfs: npt.NDArray[np.uint16] | None = field(default=None, compare=False)
    ranks: npt.NDArray[np.uint16] | None = field(default=None, compare=False)
    lengths: npt.NDArray[np.int32] | None = field(default=None, compare=False)
    # A small library's postings as Python pairs, read once a process (best_of_groups).
    _pairs: dict[str, list[tuple[int, float]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # A group's best per document, as last computed: the same source word (政府, 规定 …)
    # brings the same stand-ins in question after question. Bounded by _GROUP_MEMO values.
    _groups: dict[tuple[object, ...], tuple[Any, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _held: list[int] = field(default_factory=lambda: [0], init=False, repr=False, compare=False)
    # A small library's postings as sets of documents, read once a process (present): at most
    # the index's own postings.
    _sets: dict[str, frozenset[int]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Arrays memory-mapped from the cache, seen as plain ndarrays (the same pages, no
        # copy): a slice of a np.memmap runs Python code (__array_finalize__ …) each time,
        # ~0.15 s over a thousand questions' postings.
        for name in ("idf", "indptr", "docs", "weights", "tfs", "ranks", "lengths"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, np.asarray(getattr(self, name)))

    @classmethod
    def build(
        cls, corpus: Iterable[Sequence[str]], progress: Callable[[int], None] | None = None
    ) -> SparseBM25:
        """Index tokenised documents (token lists, in document order).

        Postings are packed as 64-bit keys (term, document, tf) in one growing buffer and
        sorted in place: a million clauses index in a few bytes per posting beyond the
        final arrays (document ids and float64 scores).
        """
        return cls.from_counts(
            ((tuple(c), tuple(c.values()), len(t)) for t in corpus for c in (Counter(t),)),
            progress,
        )

    @classmethod
    def from_counts(
        cls,
        corpus: Iterable[tuple[Sequence[str], Sequence[int], int]],
        progress: Callable[[int], None] | None = None,
    ) -> SparseBM25:
        """Index documents given as counted tokens: (distinct terms in first-seen order, their
        frequencies, the token count) — what index segments keep, so a library merged from
        them is this same index, array for array."""
        vocab: dict[str, int] = {}
        keys = array("q")
        tfs = array("H")  # in the order read: clause by clause, terms first-seen
        lengths = array("i")
        for number, (terms, counted, length) in enumerate(corpus):
            ids = [vocab.setdefault(t, len(vocab)) for t in terms]
            if number >= 1 << _DOC_BITS or len(vocab) >= 1 << _TERM_BITS:
                raise ValueError("corpus too large for packed postings")
            if len(ids) > MAX_DISTINCT_TERMS:
                raise ValueError("a document has more than 65,536 distinct tokens")
            if any(tf > _TF_MAX for tf in counted):
                raise ValueError("a token repeats more than 65,535 times in one document")
            base = number << _RANK_BITS
            keys.extend((term << _TERM_SHIFT) | base | rank for rank, term in enumerate(ids))
            tfs.extend(counted)
            lengths.append(length)
            if progress is not None:
                progress(number + 1)
        held = [keys]
        del keys  # _from_keys frees the buffer as soon as it is unpacked
        return cls._from_keys(vocab, held, tfs, lengths)

    @classmethod
    def _from_keys(
        cls, vocab: dict[str, int], held: list[array[int]], read: array[int], lengths: array[int]
    ) -> SparseBM25:
        count = len(lengths)
        keys = held.pop()
        packed = np.frombuffer(keys, dtype=np.int64) if len(keys) else np.zeros(0, np.int64)
        packed.sort()  # by term, then document: postings of a term in document order
        docs = np.empty(len(packed), np.int32)
        ranks = np.empty(len(packed), np.uint16)
        df = np.zeros(len(vocab), np.int64)
        chunk = packed[:0]
        for start in range(0, len(packed), _CHUNK):
            chunk = packed[start : start + _CHUNK]
            docs[start : start + len(chunk)] = (chunk >> _RANK_BITS) & ((1 << _DOC_BITS) - 1)
            ranks[start : start + len(chunk)] = chunk & _RANK_MAX
            df += np.bincount(chunk >> _TERM_SHIFT, minlength=len(vocab))
        del packed, keys, chunk  # the key buffer is the largest thing alive; free it first
        doc_len = np.frombuffer(lengths, dtype=np.int32).copy() if count else np.zeros(0, np.int32)
        # A posting's term frequency sits in `read` at its clause's first term plus its rank.
        firsts = np.zeros(count + 1, np.int64)
        np.cumsum(np.bincount(docs, minlength=count), out=firsts[1:])
        in_order = np.frombuffer(read, dtype=np.uint16) if len(read) else np.zeros(0, np.uint16)
        tfs = np.empty(len(docs), np.uint16)
        for start in range(0, len(docs), _CHUNK):
            end = min(len(docs), start + _CHUNK)
            tfs[start:end] = in_order[firsts[docs[start:end]] + ranks[start:end]]
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        idf = _idf(df, count)
        weights = bm25_weights(tfs, docs, indptr, idf, doc_len)
        return cls(vocab, idf, indptr, docs, weights, count, tfs, ranks, doc_len)

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

    def weighted_scores(
        self,
        terms: Sequence[tuple[str, float]],
        groups: Sequence[Group] = (),
        within: Scope | None = None,
    ) -> npt.NDArray[np.float64]:
        """Dense scores for weighted query terms, plus each group's best alternative once;
        `within`, when given, the documents scored (every other one scores 0).

        Per document the additions happen in one order whatever the path: the terms' in
        order, then each group's best in group order, so scores are equal to the last bit.
        """
        small = self.doc_count <= _SMALL_GROUPS
        # A few named documents: only their postings are read (bisected out of each list);
        # many ranges (every current edition): all postings, then the scope's mask.
        narrow = within is not None and not small and within.few
        read = (lambda token: within.postings(self, token)) if narrow and within else self.postings
        doc_chunks, weight_chunks = [], []
        for token, weight in terms:
            docs, weights = read(token)
            doc_chunks.append(docs)
            weight_chunks.append(weights * weight if weight != 1.0 else weights)
        if groups and small:
            group_docs, group_weights = self._best_of_small_groups(groups)
            doc_chunks.append(group_docs.astype(np.int32))
            weight_chunks.append(group_weights)
        if doc_chunks:
            scores = np.bincount(
                np.concatenate(doc_chunks),
                weights=np.concatenate(weight_chunks),
                minlength=self.doc_count,
            ).astype(np.float64, copy=False)  # float64 already: no copy of the corpus's size
        else:
            scores = np.zeros(self.doc_count)
        if groups and not small:
            self._add_best_of_groups(
                scores, groups, read, within.ranges if narrow and within else ()
            )
        if within is not None and not narrow:
            scores = np.where(within.mask(self.doc_count), scores, 0.0)
        return scores

    def top(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The k best (document, score) pairs with a non-zero score; ties by document order."""
        return best(self.get_scores(query), k)

    def top_weighted(
        self,
        terms: Sequence[tuple[str, float]],
        k: int,
        groups: Sequence[Group] = (),
        within: Scope | None = None,
    ) -> list[tuple[int, float]]:
        """The k best (document, score) pairs for weighted terms and groups."""
        return best(self.weighted_scores(terms, groups, within), k)

    def _add_best_of_groups(
        self,
        scores: npt.NDArray[np.float64],
        groups: Sequence[Group],
        read: Callable[[str], tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]],
        ranges: tuple[tuple[int, int], ...] = (),
    ) -> None:
        """Add to `scores`, per group and document, the score of the group's best alternative.

        An alternative (a term's tokens, a weight) scores the mean BM25 of its tokens times
        its weight, so a source word expanded to five terms, or to a phrase of three tokens,
        still adds one word's worth. Postings only, maximised into two scratch arrays of the
        corpus's size: a group reaching 1/32 of the corpus or more is then read back in whole
        passes over them, a smaller one by sorting its few postings (np.unique over 100k
        postings cost ~10 ms a question). A best starts at 0, as in the small path: idf is
        floored at ε·mean(idf) > 0, so an alternative never scores below it.
        """
        size = len(scores)
        best_here = np.zeros(size)  # the group's best alternative so far, per document
        summed = np.zeros(size)  # an alternative of several tokens, summed per document
        for group in groups:
            key = (_frozen(group), ranges)
            remembered = self._groups.get(key)
            if remembered is not None:
                where, values = remembered
                scores[where] += values
                continue
            found = []  # per alternative: its tokens' postings, and the share of each
            for tokens, weight in group:
                hits = [pair for pair in map(read, tokens) if len(pair[0])]
                if hits:
                    found.append((hits, weight / len(tokens)))
            if not found:
                continue
            reach = sum(len(docs) for hits, _ in found for docs, _ in hits)
            dense = reach * _SORTED_REACH >= size
            touched = _best_alternatives(found, best_here, summed, dense)
            if dense:  # adding the zeros of the rest leaves their scores as they were
                where = np.flatnonzero(best_here > 0)  # booleans: floats cost ~8×
                values = best_here[where]
                np.add(scores, best_here, out=scores)
                best_here.fill(0.0)
            else:  # few postings: their sorted union (np.unique hashes: ~7× slower)
                where = _distinct(np.concatenate(touched))
                values = best_here[where]
                scores[where] += values
                best_here[where] = 0.0
            self._remember(key, where, values)

    def _remember(self, key: tuple[object, ...], where: Any, values: Any) -> None:
        """Keep a group's (documents, scores); all are forgotten when too many are kept."""
        if len(where) > _GROUP_MEMO // 8:
            return  # a group of the commonest words: cheaper to score again than to hold
        if self._held[0] + len(where) > _GROUP_MEMO:
            self._groups.clear()
            self._held[0] = 0
        self._groups[key] = (where, values)
        self._held[0] += len(where)

    def _best_of_small_groups(
        self, groups: Sequence[Group]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """best_of_groups in plain Python: in a small library (short postings) this costs a
        fraction of numpy's sorting calls."""
        docs: list[int] = []
        scores: list[float] = []
        for group in groups:
            key = (_frozen(group), None)
            remembered = self._groups.get(key)
            if remembered is not None:
                docs.extend(remembered[0])
                scores.extend(remembered[1])
                continue
            best_here: dict[int, float] = {}
            for tokens, weight in group:
                share = weight / len(tokens)
                if len(tokens) == 1:
                    # One token: its sum is 0.0 + value · share, which is value · share
                    # (a posting's value and a share are positive), so no sums are kept.
                    for doc, value in self._pairs_of(tokens[0]):
                        value *= share
                        if value > best_here.get(doc, 0.0):
                            best_here[doc] = value
                    continue
                sums: dict[int, float] = {}
                for token in tokens:
                    for doc, value in self._pairs_of(token):
                        sums[doc] = sums.get(doc, 0.0) + value * share
                for doc, value in sums.items():
                    if value > best_here.get(doc, 0.0):
                        best_here[doc] = value
            docs.extend(best_here)
            scores.extend(best_here.values())
            self._remember(key, list(best_here), list(best_here.values()))
        return np.asarray(docs, np.int64), np.asarray(scores, np.float64)

    def _pairs_of(self, token: str) -> list[tuple[int, float]]:
        """A token's postings as (document, score) pairs, read once a process."""
        pairs = self._pairs.get(token)
        if pairs is None:
            found, weights = self.postings(token)
            pairs = self._pairs[token] = list(zip(found.tolist(), weights.tolist(), strict=True))
        return pairs

    def idf_of(self, token: str) -> float | None:
        """A token's idf, None when no document has it."""
        term = self.vocab.get(token)
        return None if term is None else float(self.idf[term])

    def present(self, token: str, docs: Sequence[int]) -> AbstractSet[int]:
        """Which of the given documents contain a token (a binary search in its postings each).

        For the ~20 candidates of a question, bisect over a memoryview costs less than one
        np.searchsorted call with its array conversions (~4 µs against ~10 µs a token). In a
        small library a token's documents are kept as a set: one C-level intersection.
        """
        if self.doc_count <= _SMALL_GROUPS:
            held = self._sets.get(token)
            if held is None:
                found_docs, _ = self.postings(token)
                held = self._sets[token] = frozenset(found_docs.tolist())
            return held.intersection(docs)
        term = self.vocab.get(token)
        if term is None:
            return set()
        postings = self.docs.data
        start, end = int(self.indptr[term]), int(self.indptr[term + 1])
        found = set()
        for doc in docs:
            at = bisect_left(postings, doc, start, end)
            if at < end and postings[at] == doc:
                found.add(doc)
        return found

    def contains(self, token: str, doc: int) -> bool:
        """Whether a document contains a token (binary search in its postings)."""
        term = self.vocab.get(token)
        if term is None:
            return False
        # bisect over a memoryview reads plain ints: ~5× cheaper than np.searchsorted for one
        # document (present() does the same for a question's candidates).
        docs = self.docs.data
        end = int(self.indptr[term + 1])
        at = bisect_left(docs, doc, int(self.indptr[term]), end)
        return at < end and docs[at] == doc


@dataclass(frozen=True, slots=True)
class Scope:
    """The documents a search is limited to, as [start, end) ranges of document numbers:
    the documents a question names, or every current edition of a library."""

    ranges: tuple[tuple[int, int], ...]
    # Built once: a library's current editions are the same scope for every question.
    _masks: dict[int, npt.NDArray[np.bool_]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def of(cls, ranges: Iterable[tuple[int, int]]) -> Scope:
        """A scope of ranges in any order; overlapping ones merged (no document twice)."""
        merged: list[tuple[int, int]] = []
        for start, end in sorted(r for r in ranges if r[1] > r[0]):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return cls(tuple(merged))

    @property
    def few(self) -> bool:
        """Whether reading each range's postings beats masking the whole corpus."""
        return len(self.ranges) <= _FEW_RANGES

    def mask(self, size: int) -> npt.NDArray[np.bool_]:
        """The scope as a boolean array over `size` documents."""
        inside = self._masks.get(size)
        if inside is None:
            inside = np.zeros(size, dtype=bool)
            for start, end in self.ranges:
                inside[start:end] = True
            self._masks[size] = inside
        return inside

    def postings(
        self, index: SparseBM25, token: str
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
        """A token's postings inside the scope (postings are in document order: bisected)."""
        docs, weights = index.postings(token)
        if not len(docs):
            return docs, weights
        bounds = np.searchsorted(docs, np.asarray(self.ranges, np.int64).ravel())
        if len(self.ranges) == 1:
            return docs[bounds[0] : bounds[1]], weights[bounds[0] : bounds[1]]
        pairs = bounds.reshape(-1, 2).tolist()
        return (
            np.concatenate([docs[lo:hi] for lo, hi in pairs]),
            np.concatenate([weights[lo:hi] for lo, hi in pairs]),
        )


def _best_alternatives(
    found: Sequence[tuple[list[tuple[Any, Any]], float]],
    best_here: npt.NDArray[np.float64],
    summed: npt.NDArray[np.float64],
    dense: bool,
) -> list[Any]:
    """Raise `best_here` to each alternative's score (its tokens' postings, each with its
    share); the documents touched, when not `dense`.

    ufunc.at adds and maximises in place in one pass (a fancy `+=` gathers, adds and
    scatters: ~5× slower); a document's sum still starts at 0.0 and adds its tokens in
    order, as bincount does, and a maximum is the same in any order.
    """
    touched = []
    for hits, share in found:
        if len(hits) == 1:
            docs, weights = hits[0]
            np.maximum.at(best_here, docs, weights * share)
            if not dense:
                touched.append(docs)
        else:
            for some, weights in hits:
                np.add.at(summed, some, weights * share)
            if dense:  # summed is 0 elsewhere and a best is ≥ 0: one pass, no gathers
                np.maximum(best_here, summed, out=best_here)
                summed.fill(0.0)
                continue
            docs = np.concatenate([some for some, _ in hits])
            np.maximum.at(best_here, docs, summed[docs])
            summed[docs] = 0.0
            touched.append(docs)
    return touched


def _frozen(group: Group) -> tuple[object, ...]:
    """A group as a dictionary key (a prepared question's groups are tuples already)."""
    if isinstance(group, tuple):
        return group
    return tuple((tuple(tokens), weight) for tokens, weight in group)


def best(scores: npt.NDArray[np.float64], k: int) -> list[tuple[int, float]]:
    """The k best (document, score) pairs with a non-zero score; ties by document order."""
    if k <= 0 or not len(scores):
        return []
    # The k-th largest non-zero value, then every document at or above it: ties at the cut
    # are kept and broken by document order. Only the non-zero scores are partitioned:
    # numpy's introselect degrades on the many equal zeros of a sparse score vector
    # (~9 ms over the laws library's 67k clauses against ~0.3 ms for its scored ones).
    # The same cut: with k positive scores or more, the k-th largest of all is theirs;
    # with fewer, every non-zero score is kept either way.
    scored = np.flatnonzero(scores != 0)  # booleans: np.flatnonzero of floats costs ~8×
    candidates = scored
    if k < len(scored):
        values = scores[scored]
        cutoff = np.partition(values, len(values) - k)[len(values) - k]
        if cutoff > 0:
            candidates = scored[values >= cutoff]
    order = candidates[np.lexsort((candidates, -scores[candidates]))][:k]
    return [(int(d), float(scores[d])) for d in order]


def bm25_weights(
    tfs: npt.NDArray[np.uint16],
    docs: npt.NDArray[np.int32],
    indptr: npt.NDArray[np.int64],
    idf: npt.NDArray[np.float64],
    lengths: npt.NDArray[np.int32],
) -> npt.NDArray[np.float64]:
    """Every posting's score, in chunks (a few temporaries of 2^18 values, not of the index)."""
    avgdl = average_length(lengths)
    weights = np.empty(len(docs), np.float64)
    for start in range(0, len(docs), _WEIGHT_CHUNK):
        end = min(len(docs), start + _WEIGHT_CHUNK)
        terms = np.searchsorted(indptr, np.arange(start, end), side="right") - 1
        weights[start:end] = posting_weights(
            tfs[start:end], lengths[docs[start:end]], idf[terms], avgdl
        )
    return weights


def average_length(lengths: npt.NDArray[np.int32]) -> float:
    """avgdl: the clauses' mean token count (1.0 for no clause)."""
    count = len(lengths)
    return int(lengths.sum(dtype=np.int64)) / count if count else 1.0


def posting_weights(
    tfs: npt.NDArray[np.uint16],
    lengths: npt.NDArray[np.int32],
    idf: npt.NDArray[np.float64],
    avgdl: float,
) -> npt.NDArray[np.float64]:
    """Postings' scores from their term frequencies, clause lengths and terms' idf: value for
    value the same however the postings are cut into blocks."""
    f = tfs.astype(np.int64)
    dl = lengths.astype(np.int64)
    parts = f * (K1 + 1) / (f + K1 * (1 - B + B * dl / avgdl))
    return idf * parts


def idf_of_counts(df: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.float64]:
    """rank-bm25's idf for document frequencies in vocabulary order (for patching)."""
    return _idf(df, count)


def _idf(df: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.float64]:
    """rank-bm25's idf with its epsilon floor, summed in the same (first-seen) order."""
    values = [math.log(count - int(n) + 0.5) - math.log(int(n) + 0.5) for n in df]
    idf = np.asarray(values, dtype=np.float64)
    if len(values):
        eps = EPSILON * (sum(values) / len(values))
        idf[idf < 0] = eps
    return idf


def _distinct(values: Any) -> Any:
    """`np.unique` of an integer array (its distinct values, ascending), without the call:
    numpy 2's `unique` asks `np.ma.is_masked` first, and importing numpy.ma on a process's
    first question cost 50 ms of a one-question `policybot ask`."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
