"""A lexical answer is sure when its best clause answers and leads the runner-up clearly."""

from __future__ import annotations

from retrieval.search.confidence import UNSURE_MARGIN, sure
from retrieval.search.index import Candidate, Ranking
from retrieval.search.ranking import FEATURES


def candidate(position: int, margin: float = 0.0) -> Candidate:
    features = tuple(margin if f == "margin" else 0.5 for f in FEATURES)
    return Candidate(position, 10.0, features, 3.0)


def test_a_clear_lead_is_sure() -> None:
    assert sure(Ranking((candidate(1, UNSURE_MARGIN + 0.5), candidate(2)), answers=True))


def test_a_narrow_lead_is_unsure() -> None:
    assert not sure(Ranking((candidate(1, UNSURE_MARGIN - 0.5), candidate(2)), answers=True))


def test_an_abstention_is_never_sure() -> None:
    assert not sure(Ranking((candidate(1, 9.0), candidate(2)), answers=False))
    assert not sure(Ranking((), answers=False))


def test_a_lone_clause_that_answers_is_sure() -> None:
    assert sure(Ranking((candidate(1),), answers=True))
