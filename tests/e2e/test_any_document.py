"""Laws dropped into the corpus folder, asked about in the bot by the names people use."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import Harness, running_bot

pytestmark = pytest.mark.e2e

ALICE = {"id": 501, "is_bot": False, "first_name": "Alice"}
PRIVATE = {"id": 501, "type": "private", "first_name": "Alice"}

LAW = """# 中华人民共和国消费者权益保护法

2013年10月25日 修正

<!-- INFO END -->

第一条 为保护消费者的合法权益，维护社会经济秩序，制定本法。

第一条之一 经营者应当明码标价，本条为后来增加的条文。

第二条 消费者为生活消费需要购买、使用商品或者接受服务，其权益受本法保护。
"""


@pytest.fixture
async def law_bot(
    server: FakeServer, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> AsyncIterator[Harness]:
    corpus = tmp_path_factory.mktemp("corpus")
    for path in BUNDLED_CORPUS.iterdir():
        shutil.copy(path, corpus / path.name)
    (corpus / "经济法").mkdir()
    (corpus / "经济法" / "消费者权益保护法(2013-10-25).md").write_text(LAW, encoding="utf-8")
    library = Library.load(LibraryPaths(corpus, LEXICON_DIR))
    async with running_bot(server, library, tmp_path) as harness:
        yield harness


async def test_an_abbreviation_and_an_inserted_article_are_quoted(law_bot: Harness) -> None:
    law_bot.api.send(PRIVATE, ALICE, "消保法第1条之一")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "《中华人民共和国消费者权益保护法》第一条之一" in reply["text"]
    assert "明码标价" in reply["text"]


async def test_an_english_reference_is_quoted(law_bot: Harness) -> None:
    law_bot.api.send(PRIVATE, ALICE, "Consumer Rights Protection Law Article 2")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "第二条" in reply["text"]
    assert "生活消费需要" in reply["text"]


async def test_a_law_not_loaded_is_said_to_be_missing_with_the_closest(law_bot: Harness) -> None:
    law_bot.api.send(PRIVATE, ALICE, "劳动合同法第十条")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "库中没有《劳动合同法》" in reply["text"]
    assert "第十条" not in reply["text"]
    markup = reply.get("reply_markup") or {}
    assert markup.get("inline_keyboard"), "the closest titles come as buttons"
    assert not law_bot.errors


async def test_help_tells_how_documents_are_named(law_bot: Harness) -> None:
    law_bot.api.send(PRIVATE, ALICE, "/help")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "库中没有《…》" in reply["text"]
