import numpy as np
import pytest

from retrieval.evaluation.fitting import (
    Item,
    Outcome,
    fit_all,
    judge,
    operating_point,
    question_word_factors,
)
from retrieval.search.ranking import FEATURES


def outcome(answerable: bool, abstained: bool) -> Outcome:
    item = Item({"id": "x", "kind": "question", "query": "q"}, answerable)
    return Outcome(item, None if abstained else 1, abstained)


def test_operating_point_reports_precision_and_recall_of_answering() -> None:
    outcomes = [
        outcome(answerable=True, abstained=False),
        outcome(answerable=True, abstained=False),
        outcome(answerable=True, abstained=True),
        outcome(answerable=False, abstained=False),
        outcome(answerable=False, abstained=True),
    ]
    line = operating_point(outcomes)
    assert "precision=0.667" in line  # 2 of the 3 answered were answerable
    assert "recall=0.667" in line  # 2 of the 3 answerable were answered


def searched(answerable: bool, unknown: float) -> Item:
    row = [0.0] * len(FEATURES)
    row[FEATURES.index("coverage")] = 0.5
    row[FEATURES.index("words")] = 0.75  # three whole words
    row[FEATURES.index("unknown")] = unknown
    row[FEATURES.index("bm25_rel")] = 1.0
    kind = "question" if answerable else "out_of_scope"
    item = Item({"id": "x", "kind": kind, "query": "q"}, answerable)
    item.features = np.array([row])
    item.gold = [answerable]
    item.texts = ["t"]
    return item


def test_the_learned_abstain_decision_separates_what_the_rule_cannot() -> None:
    # Out-of-scope questions cover as much as answerable ones, with as many whole words, but
    # half of what they ask is in no clause at all.
    items = [searched(True, 0.0) for _ in range(30)] + [searched(False, 0.5) for _ in range(30)]
    rule = [judge(item, fit_all(items, learn_abstain=False)) for item in items]
    assert not any(o.abstained for o in rule)
    learned = [judge(item, fit_all(items, learn_abstain=True)) for item in items]
    assert all(not o.abstained for o in learned if o.item.answerable)
    assert all(o.abstained for o in learned if not o.item.answerable)


def test_question_word_factors_lower_the_words_gold_clauses_rarely_hold() -> None:
    seen = [("自己", False)] * 20 + [("监管", True)] * 20 + [("数据", True), ("数据", False)]
    factors = question_word_factors(seen, prior=10.0, floor=0.2)
    # mean held rate 21/42 = 0.5; 自己: (0 + 5) / 30 / 0.5 = 1/3
    assert factors["自己"] == pytest.approx(1 / 3, abs=1e-3)
    assert "监管" not in factors  # held more often than the mean: left at 1
    assert "数据" not in factors  # (1 + 5) / 12 / 0.5 = 1: held as often as the mean
    assert question_word_factors([("自己", False)] * 1000, floor=0.2) == {}  # nothing held


def test_question_word_factors_stop_at_the_floor() -> None:
    seen = [("自己", False)] * 500 + [("监管", True)] * 500
    assert question_word_factors(seen, prior=1.0, floor=0.2)["自己"] == 0.2
