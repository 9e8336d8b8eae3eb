"""Prometheus metrics of the running bot, counted where the things happen (served at /metrics)."""

from __future__ import annotations

from typing import Literal, get_args

from prometheus_client import Counter, Histogram

from retrieval.model import Status

DigestOutcome = Literal["sent", "failed"]  # the `outcome` label of DIGESTS

QUESTIONS = Counter("policybot_questions", "Questions and clause look-ups received")
ANSWERS = Counter("policybot_answers", "Answers sent, by status", ["status"])
ANSWER_SECONDS = Histogram(
    "policybot_answer_seconds",
    "From a question's arrival (webhook request or getUpdates) to its answer sent",
    # Most answers take 10–20 ms: the buckets resolve from 1 ms, and a stall up to 10 s.
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DIGESTS = Counter("policybot_digests", "Daily digests finished, by outcome", ["outcome"])
LLM_FAILURES = Counter("policybot_llm_failures", "LLM calls that gave no usable text")
EMBEDDING_FAILURES = Counter("policybot_embedding_failures", "Embedding requests that failed")
TELEGRAM_ERRORS = Counter("policybot_telegram_errors", "Bot API errors, by code", ["code"])
TELEGRAM_ERROR_CODES = ("400", "401", "403", "409", "429", "timeout", "network", "other")
UPDATES_DROPPED = Counter(
    "policybot_updates_dropped",
    "Updates taken from Telegram and never handled (stopping: past the drain timeout)",
)

# Every label value shows, at 0, from the start: rate() and increase() need the first sample.
for _status in get_args(Status):
    ANSWERS.labels(_status)
for _outcome in get_args(DigestOutcome):
    DIGESTS.labels(_outcome)
for _code in TELEGRAM_ERROR_CODES:
    TELEGRAM_ERRORS.labels(_code)


def digest_finished(outcome: DigestOutcome) -> None:
    """Count a digest that ended: sent, or failed (a refused send counts as failed)."""
    DIGESTS.labels(outcome).inc()
