"""Secrets inside URLs are masked before anything is logged."""

from __future__ import annotations

import logging

import pytest

from bot.redact import RedactingFilter, redact


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("http://bob:pw@llm.local/v1 down", "http://***@llm.local/v1 down"),
        ("https://token@host/v1", "https://***@host/v1"),
        ("https://h/v1?api_key=abc&x=1", "https://h/v1?api_key=***&x=1"),
        ("https://h/v1?x=1&token=abc", "https://h/v1?x=1&token=***"),
        ("no secrets at http://host:8080/v1", "no secrets at http://host:8080/v1"),
    ],
)
def test_redact(text: str, masked: str) -> None:
    assert redact(text) == masked


def test_a_log_record_with_arguments_is_masked() -> None:
    record = logging.LogRecord("x", logging.WARNING, "f", 1, "at %s", ("http://a:b@h/",), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "at http://***@h/"
