"""Two replicas on one database send each chat's daily digest exactly once, and the one that
survives a kill mid-send finishes it without sending a part twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from telegram.ext import ExtBot

from bot.state import Services
from bot.store.store import Store, Subscription
from bot.telegram.context import DEFAULTS
from bot.telegram.delivery import deliver
from bot.telegram.schedule import job_name, next_run, retry_name
from config.settings import LEXICON_DIR, Settings
from retrieval.library import Library, LibraryPaths
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import (
    CHAT,
    PART_2,
    PART_3,
    TOKEN,
    Harness,
    kill_during_part_1_then_restart,
    sends,
    three_part_policy,
)

pytestmark = pytest.mark.e2e
KEYWORDS = ("甲类事项", "乙类事项")


@asynccontextmanager
async def replica(
    server: FakeServer, library: Library, database: Path | str, corpus: Path
) -> AsyncIterator[tuple[ExtBot[None], Services]]:
    """One bot process's worth of state: its own store (connection) and Bot API client."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=TOKEN,
        telegram_base_url=server.root,
        corpus_dir=corpus,
    )
    services = Services(library, settings, Store(database))
    bot = ExtBot(
        TOKEN,
        base_url=f"{server.root}/bot",
        base_file_url=f"{server.root}/file/bot",
        defaults=DEFAULTS,  # as the Application's bot: messages go out as HTML
    )
    try:
        async with bot:
            yield bot, services
    finally:
        await asyncio.to_thread(services.writes.close)
        services.store.close()


async def test_two_replicas_at_digest_time_send_it_once(
    server: FakeServer, tmp_path: Path, database: Path | str
) -> None:
    corpus = three_part_policy(tmp_path / "corpus")
    library = Library.load(LibraryPaths(corpus, LEXICON_DIR))
    subscription = Subscription(CHAT, time(8, 30), KEYWORDS, True)
    day = datetime.now(UTC).astimezone(Settings(_env_file=None).zone).date()  # type: ignore[call-arg]
    server.api.hold("sendMessage", "政策日报", 1.0)  # part 1 in flight while the other tries
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(replica(server, library, database, corpus))
        second = await stack.enter_async_context(replica(server, library, database, corpus))
        first[1].store.subscribe(CHAT, time(8, 30), KEYWORDS, datetime.now(UTC))
        results = await asyncio.gather(
            deliver(first[0], first[1], subscription, day),
            deliver(second[0], second[1], subscription, day),
        )
        assert sorted(results) == ["elsewhere", "sent"]
        # The day is done: neither replica sends it again.
        assert await deliver(second[0], second[1], subscription, day) == "already"
        assert second[1].store.digest_status(CHAT, day) == "sent"
    assert (sends(server, "政策日报"), sends(server, PART_2), sends(server, PART_3)) == (1, 1, 1)


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_replica_killed_mid_digest_is_finished_by_another(
    server: FakeServer, tmp_path: Path, database: str
) -> None:
    corpus = str(three_part_policy(tmp_path / "corpus"))
    shared = {"POLICYBOT_CORPUS_DIR": corpus, "POLICYBOT_DATABASE_URL": database}
    # The second is another container: nothing on disk in common, only the database.
    kill_during_part_1_then_restart(
        server,
        tmp_path,
        {"POLICYBOT_DATA_DIR": str(tmp_path / "a"), **shared},
        {"POLICYBOT_DATA_DIR": str(tmp_path / "b"), **shared},
    )
    assert (sends(server, "政策日报"), sends(server, PART_2), sends(server, PART_3)) == (1, 1, 1)


def headers(bot: Harness) -> int:
    """Digest first parts the bot sent to the chat."""
    calls = bot.api.calls_of("sendMessage")
    return sum("政策日报" in str(c.get("text", "")) and int(c["chat_id"]) == CHAT for c in calls)


async def test_a_digest_sent_elsewhere_is_looked_at_again_and_finished_if_that_sender_died(
    bot: Harness,
) -> None:
    bot.api.send(bot.api.private(CHAT), bot.api.user(CHAT), "/subscribe 08:30")
    await bot.replies(CHAT)
    today = bot.services.clock().astimezone(bot.services.settings.zone).date()
    other = Store(bot.services.store.path)  # another replica on the same database…
    assert other.hold_digest(CHAT, today)
    assert other.claim_digest(CHAT, today, datetime.now(UTC))  # …that claimed the day
    [daily] = bot.app.job_queue.get_jobs_by_name(job_name(CHAT))
    await daily.run(bot.app)
    assert headers(bot) == 0
    [retry] = bot.app.job_queue.get_jobs_by_name(retry_name(CHAT))
    other.close()  # and died before rendering it
    await retry.run(bot.app)
    assert bot.services.store.digest_status(CHAT, today) == "sent"
    assert headers(bot) == 1


def scheduled_at(bot: Harness, chat_id: int) -> time | None:
    """The local time this process's daily job for the chat runs at, if it has one."""
    due = next_run(bot.app, chat_id)
    return due.astimezone(bot.services.settings.zone).time() if due else None


async def run_sync(bot: Harness) -> None:
    [sync] = bot.app.job_queue.get_jobs_by_name("digest-sync")
    await sync.run(bot.app)
    await asyncio.sleep(0.05)  # schedule_removal takes effect on the next loop turn


async def test_a_subscription_made_through_another_replica_is_scheduled_here_too(
    bot: Harness,
) -> None:
    other = Store(bot.services.store.path)
    other.subscribe(CHAT, time(9, 15), KEYWORDS, datetime.now(UTC))
    assert scheduled_at(bot, CHAT) is None
    await run_sync(bot)
    assert scheduled_at(bot, CHAT) == time(9, 15)
    other.close()


async def test_a_subscription_moved_through_another_replica_runs_at_its_new_time_here(
    bot: Harness,
) -> None:
    bot.api.send(bot.api.private(CHAT), bot.api.user(CHAT), "/subscribe 08:30")
    await bot.replies(CHAT)
    other = Store(bot.services.store.path)
    other.subscribe(CHAT, time(17, 5), (), datetime.now(UTC))
    await run_sync(bot)
    assert scheduled_at(bot, CHAT) == time(17, 5)
    assert len(bot.app.job_queue.get_jobs_by_name(job_name(CHAT))) == 1
    other.close()


async def test_a_subscription_ended_through_another_replica_has_no_job_here(
    bot: Harness,
) -> None:
    bot.api.send(bot.api.private(CHAT), bot.api.user(CHAT), "/subscribe 08:30")
    await bot.replies(CHAT)
    other = Store(bot.services.store.path)
    assert other.deactivate(CHAT, "unsubscribed", datetime.now(UTC))
    await run_sync(bot)
    assert bot.app.job_queue.get_jobs_by_name(job_name(CHAT)) == ()
    other.close()
