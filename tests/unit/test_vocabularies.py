"""Status words are Literal vocabularies, each defined once, and every table agrees with them."""

from __future__ import annotations

import inspect
import re
from typing import get_args

import pytest
from prometheus_client import REGISTRY

from bot import metrics, texts
from bot.digest import DocumentChange
from bot.digest_layout import CHANGE_VERBS
from bot.store import store
from bot.store.store import DIGEST_STATUSES, INACTIVE_REASONS, PART_STATES, InactiveReason
from retrieval.model import Status


def test_every_inactive_reason_is_explained_to_the_chat() -> None:
    assert set(texts.REASONS) == set(get_args(InactiveReason)) == set(INACTIVE_REASONS)


def test_every_document_change_has_its_verb() -> None:
    assert set(CHANGE_VERBS) == set(get_args(DocumentChange))


@pytest.mark.parametrize(
    ("name", "label", "values"),
    [
        ("policybot_digests_total", "outcome", get_args(metrics.DigestOutcome)),
        ("policybot_answers_total", "status", get_args(Status)),
    ],
)
def test_every_label_value_shows_from_the_start(
    name: str, label: str, values: tuple[str, ...]
) -> None:
    assert values
    for value in values:
        assert REGISTRY.get_sample_value(name, {label: value}) is not None, value


def test_the_words_the_stores_sql_writes_are_in_its_vocabularies() -> None:
    source = inspect.getsource(store)
    statuses = re.findall(r"status = '(\w+)'|VALUES \(\?, \?, '(\w+)'", source)
    states = re.findall(r"state = '(\w+)'|state TEXT NOT NULL DEFAULT '(\w+)'", source)
    written_statuses = {w for pair in statuses for w in pair if w}
    written_states = {w for pair in states for w in pair if w}
    assert len(written_statuses) >= 3  # the scan sees the SQL: sending, sent, forbidden
    assert len(written_states) >= 2  # pending, sent
    assert written_statuses <= set(DIGEST_STATUSES)
    assert written_states <= set(PART_STATES)
