"""A three-part digest through the local Bot API server: escaped, sent and recorded per part."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import PART_2, PART_3, Harness, run_job, running_bot, three_part_policy

pytestmark = pytest.mark.e2e
ADMIN = {"id": 611, "is_bot": False, "first_name": "Admin"}
PRIVATE = {"id": 611, "type": "private", "first_name": "Admin"}


@pytest.fixture
async def bot(server: FakeServer, tmp_path: Path):
    corpus = three_part_policy(tmp_path / "corpus")
    library = Library.load(LibraryPaths(corpus, LEXICON_DIR))
    async with running_bot(server, library, tmp_path, corpus_dir=corpus) as harness:
        yield harness


async def test_keywords_with_markup_characters_are_escaped(bot: Harness) -> None:
    bot.api.send(PRIVATE, ADMIN, "/subscribe 08:30 <u> R&D 甲类事项")
    await bot.replies(PRIVATE["id"])
    await run_job(bot, PRIVATE["id"])
    texts = [m["text"] for m in bot.api.sent(PRIVATE["id"])]
    assert any("关注的关键词：<u>、R&D、甲类事项" in t for t in texts)
    assert not bot.errors


async def test_each_part_records_only_what_it_carried(bot: Harness) -> None:
    chat = PRIVATE["id"]
    bot.api.send(PRIVATE, ADMIN, "/subscribe 08:30 甲类事项 乙类事项")
    await bot.replies(chat)
    bot.api.hold("sendMessage", "政策日报", 1.0)
    job = asyncio.create_task(run_job(bot, chat))
    await bot.wait_for(lambda: bot.api.held)
    bot.api.fail_next("sendMessage", 400, "Bad Request: message is too long")  # part 2 fails
    await job
    store = bot.services.store
    today = store.digest_parts(
        chat, bot.services.clock().astimezone(bot.services.settings.zone).date()
    )
    assert [p.state for p in today] == ["sent", "pending", "pending"]
    assert store.cursor(chat) == ("测试推送分段的通知", 0)  # part 1 carried today's clause
    assert store.sent_keys(chat) == set()  # parts 2 and 3 carried the keyword clauses


async def test_a_three_part_digest_goes_out_in_order_once(bot: Harness) -> None:
    chat = PRIVATE["id"]
    bot.api.send(PRIVATE, ADMIN, "/subscribe 08:30 甲类事项 乙类事项")
    await bot.replies(chat)
    await run_job(bot, chat)
    await run_job(bot, chat)  # the same day again: nothing more
    texts = [m["text"] for m in bot.api.sent(chat)][1:]
    assert len(texts) == 3
    assert "政策日报" in texts[0]
    assert PART_2 in texts[1]
    assert PART_3 in texts[2]
    assert bot.services.store.sent_keys(chat) == {
        "测试推送分段的通知|一、（二）",
        "测试推送分段的通知|一、（三）",
    }
