"""Clause search's optional passes (round 4, off in ranking.json): context and feedback."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import retrieval.search.index as index_module
from retrieval.library import Library

QUESTION = "数据交易场所怎么建设"


def _boundary(library: Library) -> int:
    """The first position whose clause starts a new document, with two before it."""
    clauses = library.index.clauses
    return next(p for p in range(2, len(clauses)) if clauses[p].doc_id != clauses[p - 1].doc_id)


def test_context_adds_a_share_of_the_neighbours_in_the_same_document(library: Library) -> None:
    start = _boundary(library)
    scores = np.zeros(len(library.index.clauses))
    scores[start - 1] = 1.0  # the last clause of a document
    lifted = library.index._with_context(scores, 0.4)
    assert lifted[start - 2] == pytest.approx(0.2)  # its neighbour, half the share
    assert lifted[start - 1] == 1.0
    assert lifted[start] == 0.0  # the next document's first clause is no neighbour
    assert np.count_nonzero(lifted) == 2


def test_feedback_words_are_new_distinctive_words_of_the_best_clauses(
    library: Library,
) -> None:
    prepared, _ = library.prepare(QUESTION)
    index = library.index
    top = index.bm25.top_weighted(prepared.terms, index_module.FEEDBACK_CLAUSES, prepared.groups)
    groups = index._feedback(prepared, top, 0.2)
    assert len(groups) == 1  # one stand-in group: its best word counts once per clause
    words = [tokens[0] for tokens, _ in groups[0]]
    assert 0 < len(words) <= index_module.FEEDBACK_WORDS
    assert max(weight for _, weight in groups[0]) == pytest.approx(0.2)
    asked = {t for t, _ in prepared.terms}
    held = set().union(*(index._tokens_of(p) for p, _ in top))
    assert set(words) <= held  # from the best clauses
    assert not set(words) & asked  # none the asker typed
    assert min(map(len, words)) >= 2


@pytest.mark.parametrize(("below", "changed"), [(0.0, False), (10.0, True)])
def test_feedback_searches_again_only_when_unsure(
    library: Library, monkeypatch: pytest.MonkeyPatch, below: float, changed: bool
) -> None:
    monkeypatch.setattr(index_module, "FEEDBACK_BELOW", below)
    prepared, mentioned = library.prepare(QUESTION)
    plain = library.index.candidates(prepared, mentioned, library.models, 20)
    models = dataclasses.replace(
        library.models,
        expansion=dataclasses.replace(library.models.expansion, feedback=0.2),
    )
    again = library.index.candidates(prepared, mentioned, models, 20)
    before = {c.position: c.bm25 for c in plain}
    after = {c.position: c.bm25 for c in again}
    assert (before != after) is changed
    # Feedback only adds: a clause in both lists never scores less with it.
    assert all(after[p] >= before[p] for p in before.keys() & after.keys())


def test_learned_factors_lower_a_words_share_of_the_question(library: Library) -> None:
    prepared, _ = library.prepare("我自己能查公共数据吗")
    assert "自己" in prepared.words
    plain = library.index.plan(prepared.words, prepared.alternates)
    learned = library.index.plan(prepared.words, prepared.alternates, {"自己": 0.25})
    weight = {w.exact[0]: w.weight for w in plain}
    lowered = {w.exact[0]: w.weight for w in learned}
    assert lowered["自己"] == pytest.approx(weight["自己"] * 0.25)
    assert all(lowered[w] == weight[w] for w in weight if w != "自己")
