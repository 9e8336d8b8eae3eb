"""A new edition arriving in the corpus folder reaches subscribed chats once, in the digest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.telegram.schedule import job_name
from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import Harness, running_bot
from tests.two_editions import NEW, OLD

pytestmark = pytest.mark.e2e

MEMBER = {"id": 902, "is_bot": False, "first_name": "Member"}
CHAT = {"id": 902, "type": "private", "first_name": "Member"}


@pytest.fixture
async def watched(server: FakeServer, tmp_path: Path) -> AsyncIterator[tuple[Harness, Path]]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "测试条例(2020-01-01).md").write_text(OLD, encoding="utf-8")
    library = Library.load(LibraryPaths(corpus, LEXICON_DIR))
    async with running_bot(
        server, library, tmp_path, corpus_dir=corpus, data_dir=tmp_path / "data"
    ) as harness:
        yield harness, corpus


async def test_a_new_edition_is_pushed_once_with_keyword_articles_first(
    watched: tuple[Harness, Path],
) -> None:
    bot, corpus = watched
    bot.api.send(CHAT, MEMBER, "/subscribe 08:30 审核")
    await bot.replies(CHAT["id"])
    [job] = bot.app.job_queue.get_jobs_by_name(job_name(CHAT["id"]))
    bot.clock.current = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)
    await job.run(bot.app)
    bot.clock.current += timedelta(hours=1)
    (corpus / "测试条例(2024-01-01).md").write_text(NEW, encoding="utf-8")
    await bot.wait_for(lambda: len(bot.services.library.documents) == 2)
    bot.clock.current += timedelta(days=1)
    await job.run(bot.app)
    digest = bot.api.sent(CHAT["id"])[-1]["text"]
    section = digest.split("文件更新")[1]
    assert section.splitlines()[1] == (
        "• 更新《测试条例》（新版 2024-01-01）：修改 1 条，新增 2 条，删除 1 条，调整条序 1 条"
    )
    # The article holding the chat's keyword comes first, though it is not first in the text.
    assert section.splitlines()[2].startswith("  · 第三条（条序调整，含关键词 审核）")
    assert "查看全部变化：/diff 测试条例" in section
    assert "新增《测试条例》" not in section  # the old edition's new id is not news
    bot.clock.current += timedelta(days=1)
    await job.run(bot.app)
    assert "文件更新" not in bot.api.sent(CHAT["id"])[-1]["text"]
    assert not bot.errors
