"""A patched BM25 index is the index a rebuild from the same clauses gives, array for array."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from retrieval.search.bm25 import SparseBM25
from retrieval.search.patching import BLOCK, Added, patched

Counted = tuple[tuple[str, ...], tuple[int, ...], int]
WORDS = [f"w{n}" for n in range(300)]


def counted(tokens: list[str]) -> Counted:
    counts = Counter(tokens)
    return tuple(counts), tuple(counts.values()), len(tokens)


def random_clause(rng: random.Random) -> Counted:
    # Some clauses empty, some sharing only common words, a few with rare ones.
    reach = rng.randint(5, len(WORDS))
    return counted([rng.choice(WORDS[:reach]) for _ in range(rng.randint(0, 30))])


def patch_of(
    old: list[list[Counted]], new: list[list[Counted]], index: SparseBM25, block: int = BLOCK
) -> SparseBM25:
    """Patch `index` (of the documents `old`) for the documents `new`, which keeps some of
    the same document objects in order and adds others; its postings made `block` at a time."""
    starts, at = {}, 0
    for doc in old:
        starts[id(doc)] = at
        at += len(doc)
    renumber = np.full(at, -1, np.int64)
    added: list[Added] = []
    number = 0
    for doc in new:
        if id(doc) in starts:
            first = starts[id(doc)]
            renumber[first : first + len(doc)] = np.arange(number, number + len(doc))
        else:
            added += [Added(number + k, *clause) for k, clause in enumerate(doc)]
        number += len(doc)
    return patched(index, renumber, added, number, block)


def assert_same(got: SparseBM25, want: SparseBM25) -> None:
    assert list(got.vocab.items()) == list(want.vocab.items())
    assert got.doc_count == want.doc_count
    for name in ("idf", "indptr", "docs", "weights", "tfs", "ranks", "lengths"):
        mine, theirs = getattr(got, name), getattr(want, name)
        assert mine.dtype == theirs.dtype
        assert mine.tobytes() == theirs.tobytes(), name


@pytest.mark.parametrize("block", [BLOCK, 1, 7])
@pytest.mark.parametrize("seed", range(40))
def test_a_patched_index_is_the_rebuilt_one(seed: int, block: int) -> None:
    rng = random.Random(seed)
    old = [[random_clause(rng) for _ in range(rng.randint(0, 6))] for _ in range(12)]
    new = list(old)
    for _ in range(rng.randint(0, 3)):
        new.pop(rng.randrange(len(new)))
    for _ in range(rng.randint(0, 3)):
        doc = [random_clause(rng) for _ in range(rng.randint(0, 5))]
        new.insert(rng.randint(0, len(new)), doc)
    index = SparseBM25.from_counts(c for doc in old for c in doc)
    want = SparseBM25.from_counts(c for doc in new for c in doc)
    assert_same(patch_of(old, new, index, block), want)


def test_a_word_first_seen_in_a_removed_document_takes_its_next_place() -> None:
    # 乙 was first seen in the first document; without it, 甲 comes first (its clause
    # lists 甲 before 乙), so the ids and idf's summing order follow.
    first = [counted(["乙"])]
    second = [counted(["甲", "乙", "乙"])]
    index = SparseBM25.from_counts(c for doc in (first, second) for c in doc)
    assert list(index.vocab) == ["乙", "甲"]
    got = patch_of([first, second], [second], index)
    assert list(got.vocab) == ["甲", "乙"]
    assert_same(got, SparseBM25.from_counts(second))


def test_an_index_without_term_frequencies_is_not_patched() -> None:
    index = SparseBM25.from_counts([counted(["甲"])])
    bare = SparseBM25(index.vocab, index.idf, index.indptr, index.docs, index.weights, 1)
    with pytest.raises(ValueError, match="cannot be patched"):
        patched(bare, np.zeros(1, np.int64), [], 1)
