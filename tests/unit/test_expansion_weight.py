"""A question word's stand-ins add its weight once, by the best-matching one, never per term."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.library import Library
from retrieval.search.bm25 import Scope, SparseBM25

# Clause 0 has all three of a word's stand-ins, clause 1 only the best one, clause 2 none.
CLAUSES = [
    ["劳动报酬", "工资", "薪酬", "支付"],
    ["劳动报酬", "支付"],
    ["支付", "期限"],
    *([["期限", "通知"]] * 6),  # filler: the stand-ins are rare words, as in a real corpus
]


def test_a_word_with_many_stand_ins_counts_once() -> None:
    index = SparseBM25.build(CLAUSES)
    group = [(("劳动报酬",), 0.8), (("工资",), 0.8), (("薪酬",), 0.8)]
    scores = index.weighted_scores([("支付", 1.0)], [group])
    one = index.weighted_scores([("支付", 1.0), ("劳动报酬", 0.8)])
    all_three = index.weighted_scores([("支付", 1.0), ("劳动报酬", 0.8), ("工资", 0.8)])
    assert scores[0] < all_three[0]  # not the sum of its terms
    best = max(index.weighted_scores([(t, 0.8)])[0] for t in ("劳动报酬", "工资", "薪酬"))
    assert scores[0] == pytest.approx(index.weighted_scores([("支付", 1.0)])[0] + best)
    assert scores[1] == pytest.approx(one[1])


def test_a_stand_in_of_several_tokens_counts_their_mean() -> None:
    index = SparseBM25.build(CLAUSES)
    scores = index.weighted_scores([], [[(("劳动报酬", "支付"), 1.0)]])
    pair = index.weighted_scores([("劳动报酬", 1.0), ("支付", 1.0)])
    assert scores[1] == pytest.approx(pair[1] / 2)


def test_separate_words_each_add_their_own_stand_in() -> None:
    index = SparseBM25.build(CLAUSES)
    both = index.weighted_scores([], [[(("工资",), 0.8)], [(("薪酬",), 0.8)]])
    single = index.weighted_scores([("工资", 0.8), ("薪酬", 0.8)])
    assert both[0] == pytest.approx(single[0])


def test_a_lexicon_line_adds_one_group_for_its_colloquial_word(library: Library) -> None:
    query, _ = library.prepare("自贸区可以先行先试吗")
    formal = tuple(library.tokenizer.tokens("自由贸易试验区"))
    groups = [g for g in query.groups if any(tokens == formal for tokens, _ in g)]
    assert len(groups) == 1
    assert len(groups[0]) >= 2  # 自由贸易试验区 and 自由贸易港: alternatives of one word


@pytest.mark.parametrize("sorted_reach", [0, 10**9])  # a pass over the corpus, or a sort
def test_small_and_large_libraries_score_groups_alike(
    monkeypatch: pytest.MonkeyPatch, sorted_reach: int
) -> None:
    import retrieval.search.bm25 as bm25_module

    monkeypatch.setattr(bm25_module, "_SORTED_REACH", sorted_reach)

    index = SparseBM25.build(CLAUSES)
    groups = [
        [(("劳动报酬",), 0.8), (("工资", "支付"), 0.4)],
        [(("期限",), 0.3), (("通知", "薪酬"), 0.5)],
    ]
    small = index.weighted_scores([("支付", 1.0)], groups)
    monkeypatch.setattr(bm25_module, "_SMALL_GROUPS", 0)  # the numpy path, as for 1M clauses
    large = index.weighted_scores([("支付", 1.0)], groups)
    assert small.tolist() == large.tolist()  # to the last bit: answers never depend on size


GROUPS = [
    [(("劳动报酬",), 0.8), (("工资", "支付"), 0.4)],
    [(("期限",), 0.3), (("通知", "薪酬"), 0.5)],
]


@pytest.mark.parametrize("ranges", [[(1, 3)], [(0, 1), (2, 5)], [(4, 9), (0, 2), (1, 3)]])
@pytest.mark.parametrize("small_below", [5000, 0])
def test_a_scope_scores_its_clauses_as_the_whole_library_does_and_no_others(
    monkeypatch: pytest.MonkeyPatch, ranges: list[tuple[int, int]], small_below: int
) -> None:
    import retrieval.search.bm25 as bm25_module

    monkeypatch.setattr(bm25_module, "_SMALL_GROUPS", small_below)
    index = SparseBM25.build(CLAUSES)
    terms = [("支付", 1.0), ("期限", 0.5)]
    whole = index.weighted_scores(terms, GROUPS)
    inside = np.zeros(len(CLAUSES), bool)
    for start, end in ranges:
        inside[start:end] = True
    scoped = index.weighted_scores(terms, GROUPS, Scope.of(ranges))
    assert scoped.tolist() == np.where(inside, whole, 0.0).tolist()


def test_a_scope_of_many_ranges_is_a_mask_of_the_same_clauses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import retrieval.search.bm25 as bm25_module

    monkeypatch.setattr(bm25_module, "_SMALL_GROUPS", 0)
    monkeypatch.setattr(bm25_module, "_FEW_RANGES", 0)  # every current edition of a library
    index = SparseBM25.build(CLAUSES)
    whole = index.weighted_scores([("支付", 1.0)], GROUPS)
    scoped = index.weighted_scores([("支付", 1.0)], GROUPS, Scope.of([(0, 2), (5, 9)]))
    assert scoped.tolist() == [*whole[:2], 0.0, 0.0, 0.0, *whole[5:]]
