"""A locked database costs a log entry or a setting, never an answer or the event loop."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Iterator

import pytest

from bot import texts
from bot.store.database import BUSY_TIMEOUT
from bot.telegram.schedule import job_name, retry_name
from bot.telegram.web import Health
from tests.e2e.harness import Harness

pytestmark = pytest.mark.e2e

ALICE = {"id": 811, "is_bot": False, "first_name": "Alice"}
BOB = {"id": 812, "is_bot": False, "first_name": "Bob"}
ALICE_CHAT = {"id": 811, "type": "private", "first_name": "Alice"}
BOB_CHAT = {"id": 812, "type": "private", "first_name": "Bob"}


@pytest.fixture
def locked(bot: Harness) -> Iterator[sqlite3.Connection]:
    """Another process holds the write lock (a backup, an operator's sqlite3 shell…)."""
    other = sqlite3.connect(bot.services.store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.rollback()
    other.close()


async def test_the_question_is_logged_after_the_answer(bot: Harness) -> None:
    bot.api.send(ALICE_CHAT, ALICE, "数据二十条第十条")
    await bot.replies(ALICE_CHAT["id"])
    # The handler submits the log entry just after the reply is sent: wait for it to be queued.
    for _ in range(100):
        await bot.services.writes.run(lambda store: None)  # the queued writes are done
        if bot.services.store.questions_since(ALICE_CHAT["id"], None):
            break
        await asyncio.sleep(0.05)
    [logged] = bot.services.store.questions_since(ALICE_CHAT["id"], None)
    assert logged.question == "数据二十条第十条"
    assert logged.sections == ("《数据二十条》（十）",)


async def test_a_locked_database_costs_the_log_entry_not_the_answer(
    bot: Harness, locked: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.monotonic()
    bot.api.send(ALICE_CHAT, ALICE, "数据二十条第十条")
    [reply] = await bot.replies(ALICE_CHAT["id"])
    assert time.monotonic() - started < 2.0
    assert "（十）" in reply["text"]
    with caplog.at_level(logging.WARNING, logger="bot.store.writes"):
        # The record waits out SQLite's busy timeout once per statement it tries; allow three.
        await bot.wait_for(lambda: "not recorded" in caplog.text, seconds=3 * BUSY_TIMEOUT)
    locked.rollback()
    await bot.services.writes.run(lambda store: None)
    assert bot.services.store.questions_since(ALICE_CHAT["id"], None) == []
    assert all("出错" not in m["text"] for m in bot.api.sent(ALICE_CHAT["id"]))
    assert not bot.errors


async def test_a_setting_that_cannot_be_saved_says_so_and_holds_no_one_up(
    bot: Harness, locked: sqlite3.Connection
) -> None:
    bot.api.send(ALICE_CHAT, ALICE, "/subscribe 08:30")
    await asyncio.sleep(0.05)  # the bot starts the write before Bob asks
    started = time.monotonic()
    bot.api.send(BOB_CHAT, BOB, "数据二十条第十条")
    await bot.replies(BOB_CHAT["id"])
    assert time.monotonic() - started < 2.0
    [busy] = await bot.replies(ALICE_CHAT["id"])
    assert busy["text"] == texts.STORE_BUSY
    assert bot.services.store.subscription(ALICE_CHAT["id"]) is None
    assert not bot.errors


async def subscribe(bot: Harness) -> None:
    bot.api.send(ALICE_CHAT, ALICE, "/subscribe 08:30")
    await bot.replies(ALICE_CHAT["id"])


async def test_a_digest_that_meets_a_lock_holds_no_one_up(bot: Harness) -> None:
    await subscribe(bot)
    other = sqlite3.connect(bot.services.store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        bot.api.send(ALICE_CHAT, ALICE, "/digest")
        await asyncio.sleep(0.05)  # the bot starts claiming the digest before Bob asks
        started = time.monotonic()
        bot.api.send(BOB_CHAT, BOB, "数据二十条第十条")
        await bot.replies(BOB_CHAT["id"])
        assert time.monotonic() - started < 2.0
        [busy] = await bot.replies(ALICE_CHAT["id"], after=1)
        assert busy["text"] == texts.DIGEST_BUSY
    finally:
        other.rollback()
        other.close()
    assert not bot.errors


async def test_a_daily_digest_that_meets_a_lock_is_retried_later(bot: Harness) -> None:
    await subscribe(bot)
    chat = ALICE_CHAT["id"]
    other = sqlite3.connect(bot.services.store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        [job] = bot.app.job_queue.get_jobs_by_name(job_name(chat))
        await job.run(bot.app)
    finally:
        other.rollback()
        other.close()
    assert len(bot.api.sent(chat)) == 1  # only the /subscribe reply: nothing sent yet
    [retry] = bot.app.job_queue.get_jobs_by_name(retry_name(chat))
    await retry.run(bot.app)
    today = bot.services.clock().astimezone(bot.services.settings.zone).date()
    assert bot.services.store.digest_status(chat, today) == "sent"
    assert any("政策日报" in m["text"] for m in bot.api.sent(chat))


async def test_a_daily_digest_whose_subscription_cannot_be_read_is_retried_later(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await subscribe(bot)
    chat = ALICE_CHAT["id"]
    store_type = type(bot.services.store)
    read = store_type.subscription

    def unavailable(self: object, chat_id: int) -> object:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(store_type, "subscription", unavailable)  # the database is lost
    [job] = bot.app.job_queue.get_jobs_by_name(job_name(chat))
    await job.run(bot.app)
    assert not bot.errors
    monkeypatch.setattr(store_type, "subscription", read)  # and back
    [retry] = bot.app.job_queue.get_jobs_by_name(retry_name(chat))
    await retry.run(bot.app)
    assert any("政策日报" in m["text"] for m in bot.api.sent(chat))


async def test_subscribe_with_the_database_lost_says_so_and_holds_no_one_up(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_type = type(bot.services.store)

    def lost(self: object, chat_id: int) -> object:
        time.sleep(3)  # a pool waiting for a server that is gone
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(store_type, "subscription", lost)
    bot.api.send(ALICE_CHAT, ALICE, "/subscribe 08:30")
    bot.api.send(BOB_CHAT, BOB, "数据二十条第十条")
    [answer] = await bot.replies(BOB_CHAT["id"])  # Bob is answered while Alice's read waits
    assert "（十）" in answer["text"]
    assert bot.api.sent(ALICE_CHAT["id"]) == []
    [busy] = await bot.replies(ALICE_CHAT["id"])
    assert busy["text"] == texts.STORE_BUSY
    assert not bot.errors


async def test_health_stays_ok_under_a_write_lock_that_answers_survive(
    bot: Harness, locked: sqlite3.Connection
) -> None:
    bot.api.send(BOB_CHAT, BOB, "/subscribe 09:00 数据")  # a settings write now waits for the lock
    await asyncio.sleep(0.3)
    health = Health(bot.services)
    try:
        assert await health.check() is None
    finally:
        health.close()
    bot.api.send(ALICE_CHAT, ALICE, "数据二十条第十条")
    [reply] = await bot.replies(ALICE_CHAT["id"])
    assert "（十）" in reply["text"]
