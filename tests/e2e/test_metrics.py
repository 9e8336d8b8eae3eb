"""The counters behind /metrics move where the things happen: answers, digests, Bot API errors."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from tests.e2e.harness import Harness, run_job

pytestmark = pytest.mark.e2e

USER = {"id": 701, "is_bot": False, "first_name": "用户"}
CHAT = {"id": 701, "type": "private", "first_name": "用户"}


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("question", "status"),
    [("数据二十条第十条", "ok"), ("数据二十条第九十九条", "not_found")],
)
async def test_an_answer_is_counted_by_its_status(
    bot: Harness, question: str, status: str
) -> None:
    before = value("policybot_answers_total", status=status)
    bot.api.send(CHAT, USER, question)
    await bot.replies(CHAT["id"])
    await bot.wait_for(lambda: value("policybot_answers_total", status=status) == before + 1)


async def test_a_digest_sent_is_counted(bot: Harness) -> None:
    bot.api.send(CHAT, USER, "/subscribe 08:00")
    await bot.replies(CHAT["id"])
    before = value("policybot_digests_total", outcome="sent")
    await run_job(bot, CHAT["id"])
    assert value("policybot_digests_total", outcome="sent") == before + 1


async def test_a_digest_telegram_refuses_is_counted_as_failed(bot: Harness) -> None:
    bot.api.send(CHAT, USER, "/subscribe 08:00")
    await bot.replies(CHAT["id"])
    failed = value("policybot_digests_total", outcome="failed")
    errors = value("policybot_telegram_errors_total", code="400")
    bot.api.fail_next("sendMessage", 400, "Bad Request: chat not found")
    await run_job(bot, CHAT["id"])
    assert value("policybot_digests_total", outcome="failed") == failed + 1
    assert value("policybot_telegram_errors_total", code="400") == errors + 1


async def test_answer_seconds_count_the_wait_for_the_chat_turn(bot: Harness) -> None:
    # Each send takes 1 s: four questions of one chat run at once, the fifth waits its turn
    # (limits.PER_CHAT_UPDATES) and is answered about 2 s after it arrived, not 1 s.
    bot.api.hold("sendMessage", "（十）", 1.0)
    count = value("policybot_answer_seconds_count")
    total = value("policybot_answer_seconds_sum")
    for _ in range(5):
        bot.api.send(CHAT, USER, "数据二十条第十条")
    await bot.replies(CHAT["id"], 5)
    await bot.wait_for(lambda: value("policybot_answer_seconds_count") == count + 5)
    assert value("policybot_answer_seconds_sum") - total > 5.6  # 4 × 1 s + 2 s, not 5 × 1 s


def test_answer_seconds_resolve_milliseconds() -> None:
    bounds = {
        s.labels["le"]
        for m in REGISTRY.collect()
        if m.name == "policybot_answer_seconds"
        for s in m.samples
        if s.name.endswith("_bucket")
    }
    assert {"0.001", "0.01", "0.1", "1.0", "10.0"} <= bounds


@pytest.mark.parametrize("code", ["400", "401", "403", "409", "429", "timeout", "network"])
def test_every_telegram_error_code_is_exported_from_the_start(code: str) -> None:
    names = {
        (s.name, tuple(sorted(s.labels.items()))) for m in REGISTRY.collect() for s in m.samples
    }
    assert ("policybot_telegram_errors_total", (("code", code),)) in names
    assert ("policybot_updates_dropped_total", ()) in names
