"""Forty groups flooding at once: a private chat, or a quiet group, still gets its answer at once.

Through the real `policybot serve` process and the local Bot API server. Telegram allows a bot
30 messages a second overall; the groups' replies below need several seconds of that, and a chat
outside the flood must not wait behind them (issue 24).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram.constants import FloodLimit

from tests.e2e.fake_bot_api import FakeBotApi, FakeServer
from tests.e2e.harness import TOKEN, serve, wait_until

pytestmark = pytest.mark.e2e

GROUPS = 40
QUESTIONS = 5  # per group, each from its own member: under every per-user and per-group limit
REPLIES = GROUPS * QUESTIONS
BACKLOG = REPLIES / FloodLimit.MESSAGES_PER_SECOND  # seconds of sending the flood alone takes
# Seconds: "at once" by a person's standards, with room for a loaded CI machine; under a third of
# the backlog, so an answer queued behind the flood fails.
PROMPT = 2.0
FIRST_GROUP = -100_500


@pytest.fixture
def api(server: FakeServer, tmp_path: Path) -> Iterator[FakeBotApi]:
    """The Bot API of a running `serve` that has answered its first question."""
    process = serve(server.root, TOKEN, tmp_path)
    try:
        ask_privately(server.api, 1)  # started, index loaded, polling
        yield server.api
    finally:
        process.terminate()
        process.wait(timeout=30)


def ask_privately(api: FakeBotApi, user_id: int) -> float:
    """Seconds between a private question and its answer (the answer must be the clause)."""
    asked = time.monotonic()
    api.send(api.private(user_id), api.user(user_id), "数据二十条第十条")
    [reply] = wait_until(lambda: api.sent(user_id), seconds=60)
    assert "（十）" in reply["text"]
    return float(reply["sent_at"]) - asked


def flood(api: FakeBotApi) -> list[dict[str, Any]]:
    """Every group's members ask at once; returns the groups once replies are going out."""
    groups = [api.group(FIRST_GROUP - n, f"工作群{n}") for n in range(GROUPS)]
    for q in range(QUESTIONS):
        for n, group in enumerate(groups):
            member = api.user(10_000 + n * QUESTIONS + q, "同事")
            api.send(group, member, "/ask 数据安全")
    wait_until(lambda: len(group_replies(api)) >= GROUPS // 2)  # the flood is being sent
    return groups


def group_replies(api: FakeBotApi) -> list[dict[str, Any]]:
    return [m for m in api.sent() if m["chat"]["id"] <= FIRST_GROUP]


def each_question_answered_once(api: FakeBotApi, groups: list[dict[str, Any]]) -> None:
    wait_until(lambda: len(group_replies(api)) >= REPLIES, seconds=BACKLOG + 30)
    time.sleep(0.5)  # nothing more comes
    for group in groups:
        replies = api.sent(group["id"])
        answered = [m["reply_to_message"]["message_id"] for m in replies]
        assert len(replies) == QUESTIONS
        assert len(set(answered)) == QUESTIONS


def test_a_private_question_is_answered_at_once_while_forty_groups_flood(
    api: FakeBotApi,
) -> None:
    assert BACKLOG > 3 * PROMPT  # waiting behind the flood would fail this test
    groups = flood(api)
    waited = ask_privately(api, 2)
    assert waited < PROMPT, f"private answer after {waited:.2f} s"
    each_question_answered_once(api, groups)


def test_a_quiet_groups_question_is_answered_at_once_while_forty_groups_flood(
    api: FakeBotApi,
) -> None:
    groups = flood(api)
    quiet = api.group(-42, "小群")
    asked = time.monotonic()
    api.send(quiet, api.user(3), "/ask 数据二十条第十条")
    [reply] = wait_until(lambda: api.sent(quiet["id"]), seconds=60)
    waited = float(reply["sent_at"]) - asked
    assert waited < PROMPT, f"quiet group's answer after {waited:.2f} s"
    each_question_answered_once(api, groups)
