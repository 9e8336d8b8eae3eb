"""相关条款 in the bot: clauses of other documents on the same matter, behind a button."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import Harness, buttons, running_bot
from tests.related_corpus import write_related_corpus

pytestmark = pytest.mark.e2e

ALICE = {"id": 701, "is_bot": False, "first_name": "Alice"}
PRIVATE = {"id": 701, "type": "private", "first_name": "Alice"}


@pytest.fixture
async def bot(server: FakeServer, tmp_path: Path) -> AsyncIterator[Harness]:
    corpus = write_related_corpus(tmp_path / "corpus")
    library = Library.load(LibraryPaths(corpus, LEXICON_DIR))
    async with running_bot(server, library, tmp_path, corpus_dir=corpus) as harness:
        await harness.wait_for(lambda: harness.services.library.relations.ready)
        yield harness


async def test_related_clauses_of_other_documents_are_quoted_behind_a_button(
    bot: Harness,
) -> None:
    bot.api.send(PRIVATE, ALICE, "烟草标识条例第一条")
    [answer] = await bot.replies(PRIVATE["id"])
    bot.api.press(answer, buttons(answer)["相关条款"], ALICE)
    [related] = await bot.replies(PRIVATE["id"], after=1)
    assert related["text"].startswith("其他文件中与《烟草标识条例》第一条相关的条款：")
    assert "《烟草标识实施细则》第一条" in related["text"]
    assert "应当在小包、条包上标注焦油含量级" in related["text"]
    assert not bot.errors


async def test_a_clause_without_related_clauses_has_no_button(bot: Harness) -> None:
    bot.api.send(PRIVATE, ALICE, "森林防火规定第一条")
    [answer] = await bot.replies(PRIVATE["id"])
    assert "相关条款" not in buttons(answer)
    assert "下一条" in buttons(answer)  # the keyboard is there, only without 相关条款
