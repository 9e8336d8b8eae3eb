"""A rebuilt library keeps the deployment's optional channels: embeddings and LLM rewrites.

The bot starts with both endpoints configured (local stub servers); after /reload and after an
admin's upload, a question still reaches both stubs, so the answer is not BM25 alone.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.endpoints.channels import attach_channels
from bot.endpoints.llm import quote_question
from config.settings import BUNDLED_CORPUS, LEXICON_DIR, Settings
from retrieval.library import Library, LibraryPaths
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import Harness, running_bot
from tests.fake_embeddings import FakeEmbeddings
from tests.fake_llm import FakeLLM

pytestmark = pytest.mark.e2e

ADMIN = {"id": 811, "is_bot": False, "first_name": "Admin"}
ADMIN_CHAT = {"id": 811, "type": "private", "first_name": "Admin"}
MEMBER = {"id": 812, "is_bot": False, "first_name": "Member"}
MEMBER_CHAT = {"id": 812, "type": "private", "first_name": "Member"}
# Questions in everyday words that BM25 alone is unsure about: the rewriter is asked too.
BEFORE = "领导拍脑袋做决定"
AFTER = "领导咋拍脑袋做决定"
NOTICE = (
    "关于开展河湖巡查数字化试点的通知\n\n一、总体要求\n\n"
    "（一）试点目标。利用卫星遥感和无人机开展河湖巡查，建立问题发现处置闭环。\n"
)


@pytest.fixture
def endpoints() -> Iterator[tuple[FakeEmbeddings, FakeLLM]]:
    with FakeEmbeddings() as embeddings, FakeLLM() as llm:
        yield embeddings, llm


@pytest.fixture
async def bot(
    server: FakeServer, tmp_path: Path, endpoints: tuple[FakeEmbeddings, FakeLLM]
) -> AsyncIterator[Harness]:
    """The bot over a writable corpus, started as `serve` starts it: channels attached."""
    embeddings, llm = endpoints
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    configured: dict[str, Any] = {
        "corpus_dir": corpus,
        "data_dir": tmp_path / "data",
        "admin_ids": (ADMIN["id"],),
        "embed_base_url": embeddings.url(),
        "llm_base_url": llm.base_url,
        "llm_model": "restate",
    }
    library = Library.load(LibraryPaths(corpus, LEXICON_DIR, tmp_path / "data" / "cache"))
    attach_channels(library, Settings(_env_file=None, **configured), progress=False)
    async with running_bot(server, library, tmp_path, **configured) as harness:
        yield harness


def embedded(embeddings: FakeEmbeddings, question: str) -> bool:
    """Whether the embeddings stub was asked for the question's vector."""
    return any(r["inputs"] == [question] for r in embeddings.requests)


def restated(llm: FakeLLM, question: str) -> bool:
    """Whether the LLM stub was asked to restate the question."""
    return any(
        r["body"]["messages"][-1]["content"] == quote_question(question) for r in llm.requests
    )


async def ask(bot: Harness, question: str) -> None:
    before = len(bot.api.sent(MEMBER_CHAT["id"]))
    bot.api.send(MEMBER_CHAT, MEMBER, question)
    await bot.replies(MEMBER_CHAT["id"], after=before)


async def test_the_channels_answer_before_any_reload(
    bot: Harness, endpoints: tuple[FakeEmbeddings, FakeLLM]
) -> None:
    # Guards the tests below: the questions do reach both stubs when the channels are on.
    embeddings, llm = endpoints
    await ask(bot, BEFORE)
    assert embedded(embeddings, BEFORE)
    assert restated(llm, BEFORE)


async def test_after_a_reload_the_channels_still_answer(
    bot: Harness, endpoints: tuple[FakeEmbeddings, FakeLLM]
) -> None:
    embeddings, llm = endpoints
    bot.api.send(ADMIN_CHAT, ADMIN, "/reload")
    [done] = await bot.replies(ADMIN_CHAT["id"])
    assert "份文件" in done["text"]
    await ask(bot, AFTER)
    assert embedded(embeddings, AFTER)
    assert restated(llm, AFTER)
    assert not bot.errors


async def test_after_an_upload_the_channels_still_answer(
    bot: Harness, endpoints: tuple[FakeEmbeddings, FakeLLM]
) -> None:
    embeddings, llm = endpoints
    bot.api.send_document(ADMIN_CHAT, ADMIN, "巡查通知.txt", NOTICE.encode())
    [preview] = await bot.replies(ADMIN_CHAT["id"])
    markup = preview["reply_markup"]["inline_keyboard"]
    add = next(b["callback_data"] for row in markup for b in row if b["text"] == "收录")
    bot.api.press(preview, add, ADMIN)
    [added] = await bot.replies(ADMIN_CHAT["id"], after=1)
    assert "已收录「巡查通知.txt」" in added["text"]
    await ask(bot, AFTER)
    assert embedded(embeddings, AFTER)
    assert restated(llm, AFTER)
    assert not bot.errors
