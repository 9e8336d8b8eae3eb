"""Prometheus metrics of the running bot, counted where the things happen (served at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

QUESTIONS = Counter("policybot_questions", "Questions and clause look-ups received")
ANSWERS = Counter("policybot_answers", "Answers sent, by status", ["status"])
ANSWER_SECONDS = Histogram(
    "policybot_answer_seconds",
    "From a question's arrival at the bot to its answer sent",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
)
DIGESTS = Counter("policybot_digests", "Daily digests finished, by outcome", ["outcome"])
LLM_FAILURES = Counter("policybot_llm_failures", "LLM calls that gave no usable text")
EMBEDDING_FAILURES = Counter("policybot_embedding_failures", "Embedding requests that failed")
TELEGRAM_ERRORS = Counter("policybot_telegram_errors", "Bot API errors, by code", ["code"])

for _status in ("ok", "abstain", "not_found"):  # every status shows, at 0, from the start
    ANSWERS.labels(_status)
for _outcome in ("sent", "failed"):
    DIGESTS.labels(_outcome)
