"""Differential test: the inverted-index scorer returns rank-bm25's BM25Okapi scores exactly."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.library import Library
from retrieval.search.bm25 import SparseBM25, _distinct, best
from retrieval.search.index import index_text

QUERIES = 200


def corpus_of(library: Library) -> list[list[str]]:
    return [library.tokenizer.tokens(index_text(c)) for c in library.clauses]


def synthetic(seed_docs: list[list[str]], size: int, rng: random.Random) -> list[list[str]]:
    """Clauses stitched from runs of seed-clause tokens, like benchmarks/ does with text."""
    out = []
    for _ in range(size):
        doc: list[str] = []
        for _ in range(rng.randint(1, 4)):
            source = rng.choice(seed_docs)
            start = rng.randrange(max(1, len(source) - 10))
            doc.extend(source[start : start + rng.randint(5, 40)])
        out.append(doc)
    return out


def queries(docs: list[list[str]], rng: random.Random) -> list[list[str]]:
    vocabulary = sorted({t for d in docs for t in d})
    found = []
    for n in range(QUERIES):
        words = rng.sample(vocabulary, rng.randint(1, min(6, len(vocabulary))))
        if n % 10 == 0:
            words.append(words[0])  # a repeated token counts twice, as in rank-bm25
        if n % 17 == 0:
            words.append("不在语料里的词")
        found.append(words)
    return found


def assert_same(docs: list[list[str]], rng: random.Random) -> None:
    reference = BM25Okapi(docs)
    ours = SparseBM25.build(docs)
    for query in queries(docs, rng):
        expected = reference.get_scores(query)
        np.testing.assert_allclose(ours.get_scores(query), expected, rtol=0, atol=1e-9)
        order = np.argsort(-expected, kind="stable")
        top = [i for i in order if expected[i] != 0][:10]
        assert [d for d, _ in ours.top(query, 10)] == top


def test_same_scores_on_the_seed_corpus(library: Library) -> None:
    assert_same(corpus_of(library), random.Random(1))


def test_same_scores_on_a_synthetic_10k_corpus(library: Library) -> None:
    rng = random.Random(2)
    assert_same(synthetic(corpus_of(library), 10_000, rng), rng)


@pytest.mark.parametrize("size", [1, 2, 3])
def test_tiny_corpora_with_negative_idf(size: int) -> None:
    docs = [["数据", "安全"], ["数据", "共享"], ["数据"]][:size]
    assert_same(docs, random.Random(size))


def test_contains_matches_the_postings(library: Library) -> None:
    docs = corpus_of(library)
    index = SparseBM25.build(docs)
    for position in (0, 17, len(docs) - 1):
        for token in set(docs[position]):
            assert index.contains(token, position)
        assert not index.contains("不在语料里的词", position)


def test_present_agrees_with_contains_for_every_candidate() -> None:
    index = SparseBM25.build([["数据", "安全"], ["数据"], ["安全", "治理"], []])
    candidates = [0, 1, 2, 3]
    for token in ("数据", "安全", "治理", "没有的词"):
        expected = {d for d in candidates if index.contains(token, d)}
        assert index.present(token, candidates) == expected


@pytest.mark.parametrize("size", [0, 1, 2, 7, 1000])
def test_distinct_postings_are_numpys_unique(size: int) -> None:
    rng = np.random.default_rng(size)
    for kind in (np.int32, np.int64):
        values = rng.integers(0, 40, size).astype(kind)
        distinct = _distinct(values)
        assert distinct.dtype == kind
        assert np.array_equal(distinct, np.unique(values))


@pytest.mark.parametrize("k", [1, 3, 5, 8, 50])
def test_best_is_a_stable_sort_of_the_nonzero_scores(k: int) -> None:
    # Mostly zeros, ties at every cut and fewer non-zero scores than some k: the top k of a
    # plain stable sort, which best() must give without sorting the whole vector.
    rng = np.random.default_rng(3)
    scores = np.zeros(5000)
    scored = rng.choice(5000, 12, replace=False)
    scores[scored] = rng.choice([0.5, 1.25, 2.0], 12)
    order = np.argsort(-scores, kind="stable")
    expected = [(int(d), float(scores[d])) for d in order if scores[d] != 0][:k]
    assert best(scores, k) == expected
