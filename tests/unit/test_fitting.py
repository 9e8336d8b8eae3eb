import numpy as np

from retrieval.evaluation.fitting import (
    Item,
    Outcome,
    cross_validate,
    fit_all,
    judge,
    operating_point,
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


def test_ranking_only_cross_validation_never_abstains_on_coverage() -> None:
    # Covering little, every best candidate is below the fitted rule: the rerank is still
    # judged when the rule is off.
    items = [searched(True, 0.0) for _ in range(10)]
    for item in items:
        item.features[0, FEATURES.index("coverage")] = 0.05
    ruled = cross_validate(items, 5)
    assert all(o.abstained for o in ruled)
    alone = cross_validate(items, 5, ranking_only=True)
    assert all(not o.abstained and o.rank == 1 for o in alone)
