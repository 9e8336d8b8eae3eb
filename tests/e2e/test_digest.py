"""Subscriptions and digests through the local Bot API server, time driven by the tests."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.store.store import Store, Subscription
from bot.telegram.schedule import SYNC_NAME, job_name, start_schedules
from retrieval.library import Library
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import Harness, run_job, running_bot

pytestmark = pytest.mark.e2e

ADMIN = {"id": 601, "is_bot": False, "first_name": "Admin"}
MEMBER = {"id": 602, "is_bot": False, "first_name": "Member"}
GROUP = {"id": -2002, "type": "supergroup", "title": "政策学习群"}
PRIVATE = {"id": 601, "type": "private", "first_name": "Admin"}


def digests(bot: Harness, chat_id: int) -> list[dict]:
    return [m for m in bot.api.sent(chat_id) if "政策日报" in m["text"]]


async def test_subscribe_shows_settings_and_schedules(bot: Harness) -> None:
    bot.api.send(PRIVATE, ADMIN, "/subscribe 07:45 授权运营 数据安全")
    [reply] = await bot.replies(PRIVATE["id"])
    assert "已订阅" in reply["text"]
    assert "每天 07:45（Asia/Shanghai）" in reply["text"]
    assert "授权运营、数据安全" in reply["text"]
    assert bot.app.job_queue.get_jobs_by_name(job_name(PRIVATE["id"]))
    bot.api.send(PRIVATE, ADMIN, "/subscribe")
    [shown] = await bot.replies(PRIVATE["id"], after=1)
    assert "下次推送：" in shown["text"]
    assert "07:45" in shown["text"]


@pytest.mark.parametrize("args", ["25:00", "8点", "7:5"])
async def test_invalid_time_is_explained(bot: Harness, args: str) -> None:
    bot.api.send(PRIVATE, ADMIN, f"/subscribe {args}")
    [reply] = await bot.replies(PRIVATE["id"])
    assert "时间格式不对" in reply["text"]
    assert bot.services.store.subscription(PRIVATE["id"]) is None


async def test_too_many_keywords_are_refused(bot: Harness) -> None:
    bot.api.send(PRIVATE, ADMIN, "/subscribe 08:00 " + " ".join(f"词{i}" for i in range(11)))
    [reply] = await bot.replies(PRIVATE["id"])
    assert "关键词太多" in reply["text"]


async def test_only_group_admins_may_change_the_subscription(bot: Harness) -> None:
    bot.api.members[(GROUP["id"], ADMIN["id"])] = "administrator"
    bot.api.send(GROUP, MEMBER, "/subscribe 09:00")
    [refused] = await bot.replies(GROUP["id"])
    assert "只有群管理员" in refused["text"]
    assert bot.api.calls_of("getChatMember")
    bot.api.send(GROUP, ADMIN, "/subscribe 09:00")
    [accepted] = await bot.replies(GROUP["id"], after=1)
    assert "已订阅" in accepted["text"]
    bot.api.send(GROUP, MEMBER, "/unsubscribe")
    [refused_again] = await bot.replies(GROUP["id"], after=2)
    assert "只有群管理员" in refused_again["text"]


async def test_an_anonymous_group_admin_may_subscribe_the_group(bot: Harness) -> None:
    # Telegram sends an anonymous admin's message from GroupAnonymousBot, as the group.
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group"}
    bot.api.send(GROUP, anonymous, "/subscribe 09:00", sender_chat=GROUP)
    [accepted] = await bot.replies(GROUP["id"])
    assert "已订阅" in accepted["text"]
    assert bot.services.store.subscription(GROUP["id"]) is not None


async def test_a_channel_posting_in_the_group_is_no_admin(bot: Harness) -> None:
    channel = {"id": -1009, "type": "channel", "title": "别的频道"}
    anonymous = {"id": 136817688, "is_bot": True, "first_name": "Channel"}
    bot.api.members[(GROUP["id"], anonymous["id"])] = "member"
    bot.api.send(GROUP, anonymous, "/subscribe 09:00", sender_chat=channel)
    [refused] = await bot.replies(GROUP["id"])
    assert "只有群管理员" in refused["text"]


async def test_digest_command_sends_today_once(bot: Harness) -> None:
    bot.api.send(PRIVATE, ADMIN, "/subscribe 08:30 数据安全")
    await bot.replies(PRIVATE["id"])
    bot.api.send(PRIVATE, ADMIN, "/digest")
    await bot.wait_for(lambda: digests(bot, PRIVATE["id"]))
    assert "今日条款" in digests(bot, PRIVATE["id"])[0]["text"]
    bot.api.send(PRIVATE, ADMIN, "/digest")
    await bot.wait_for(lambda: "已经发送过" in bot.api.sent(PRIVATE["id"])[-1]["text"])
    await run_job(bot, PRIVATE["id"])
    assert len(digests(bot, PRIVATE["id"])) == 1


async def test_daily_job_sends_once_a_day_and_moves_the_reading_plan(bot: Harness) -> None:
    bot.api.send(PRIVATE, ADMIN, "/subscribe 08:30")
    await bot.replies(PRIVATE["id"])
    bot.clock.current = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    await run_job(bot, PRIVATE["id"])
    await run_job(bot, PRIVATE["id"])
    assert len(digests(bot, PRIVATE["id"])) == 1
    bot.clock.current += timedelta(days=1)
    await run_job(bot, PRIVATE["id"])
    first, second = digests(bot, PRIVATE["id"])
    assert "2026-11-23" in first["text"]
    assert "2026-11-24" in second["text"]
    assert "序言" in first["text"]
    assert "一、（一）" in second["text"]


async def test_group_questions_appear_in_the_next_digest(bot: Harness) -> None:
    bot.api.members[(GROUP["id"], ADMIN["id"])] = "creator"
    bot.api.send(GROUP, ADMIN, "/subscribe 08:30")
    await bot.replies(GROUP["id"])
    bot.api.send(GROUP, MEMBER, "/ask 公共数据授权运营情况要公开吗")
    await bot.replies(GROUP["id"], after=1)
    await run_job(bot, GROUP["id"])
    [digest] = digests(bot, GROUP["id"])
    assert "本群近日提问" in digest["text"]
    assert "公共数据授权运营情况要公开吗 → 《公共数据资源开发利用意见》（五）" in digest["text"]


async def test_403_disables_the_subscription_without_deleting_it(bot: Harness) -> None:
    bot.api.send(PRIVATE, ADMIN, "/subscribe 08:30")
    await bot.replies(PRIVATE["id"])
    bot.api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await run_job(bot, PRIVATE["id"])
    kept = bot.services.store.subscription(PRIVATE["id"])
    assert kept is not None
    assert (kept.active, kept.inactive_reason) == (False, "forbidden")
    await bot.wait_for(lambda: not bot.app.job_queue.get_jobs_by_name(job_name(PRIVATE["id"])))


async def test_missed_digest_is_sent_once_at_start_up(bot: Harness) -> None:
    from datetime import time

    now = datetime.now(UTC)
    bot.services.store.subscribe(-3003, time(0, 0), (), now)
    bot.services.store.subscribe(-3004, time(0, 0), (), now)
    today = now.astimezone(bot.services.settings.zone).date()
    bot.services.store.claim_digest(-3004, today, now)
    bot.services.store.finish_digest(-3004, today, now, "sent")
    assert start_schedules(bot.app, bot.services) == 2
    await bot.wait_for(lambda: digests(bot, -3003))
    assert await bot.quiet(-3004) == []


async def test_many_chats_due_at_once_are_all_served(bot: Harness) -> None:
    from datetime import time

    chats = list(range(-5000, -5030, -1))
    for chat in chats:
        bot.services.store.subscribe(chat, time(8, 30), (), datetime.now(UTC))
    start_schedules(bot.app, bot.services)
    for chat in chats:
        bot.app.job_queue.get_jobs_by_name(job_name(chat))[0].job.modify(
            next_run_time=datetime.now(UTC)
        )
    await bot.wait_for(lambda: all(digests(bot, c) for c in chats), seconds=30)
    assert all(len(digests(bot, c)) == 1 for c in chats)
    assert not bot.errors


async def test_schedules_a_database_error_kept_from_start_up_come_back_with_the_minute_sync(
    server: FakeServer,
    library: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat = -3030
    store = Store(tmp_path / "bot.sqlite3")
    store.subscribe(chat, time(0, 0), (), datetime.now(UTC))  # due already: caught up at start
    store.close()
    listing = Store.subscriptions
    failures = [sqlite3.OperationalError("disk I/O error")]

    def first_listing_fails(self: Store) -> list[Subscription]:
        if failures:
            raise failures.pop()
        return listing(self)

    monkeypatch.setattr(Store, "subscriptions", first_listing_fails)
    with caplog.at_level(logging.WARNING, logger="bot.telegram.schedule"):
        async with running_bot(server, library, tmp_path) as bot:
            assert bot.app.job_queue.get_jobs_by_name(job_name(chat)) == ()
            [sync] = bot.app.job_queue.get_jobs_by_name(SYNC_NAME)
            await sync.run(bot.app)
            assert len(bot.app.job_queue.get_jobs_by_name(job_name(chat))) == 1
            await bot.wait_for(lambda: digests(bot, chat))
    assert [r.getMessage() for r in caplog.records if "not restored" in r.getMessage()] == [
        "digest schedules not restored, retrying every 60 s: disk I/O error"
    ]
