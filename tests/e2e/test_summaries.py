"""Summaries in Telegram through the local Bot API server and a real local LLM server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.library import Library
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import Harness, running_bot
from tests.fake_llm import FakeLLM

pytestmark = pytest.mark.e2e
ALICE = {"id": 701, "is_bot": False, "first_name": "Alice"}
CHAT = {"id": 701, "type": "private", "first_name": "Alice"}
QUESTION = "公共数据授权运营情况要公开吗"


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


@pytest.fixture
async def make(server: FakeServer, library: Library, tmp_path: Path, llm: FakeLLM):
    stack: list = []

    async def start(
        model: str = "ok", seconds: float = 1.5, stream: bool = False, base_url: str | None = None
    ) -> Harness:
        manager = running_bot(
            server,
            library,
            tmp_path,
            llm_base_url=base_url or llm.base_url,
            llm_model=model,
            llm_timeout=seconds,
            llm_stream=stream,
        )
        stack.append(manager)
        return await manager.__aenter__()

    yield start
    for manager in reversed(stack):
        await manager.__aexit__(None, None, None)


async def ask(bot: Harness, count: int = 2) -> list[dict]:
    bot.api.send(CHAT, ALICE, QUESTION)
    return await bot.replies(CHAT["id"], count=count)


async def test_summary_follows_the_quotes_with_section_labels(make) -> None:
    bot = await make("ok")
    quotes, summary = await ask(bot)
    assert "（五）" in quotes["text"].splitlines()[0]
    assert summary["text"].startswith("摘要：")
    assert "〔（五）〕" in summary["text"]
    assert not bot.errors


@pytest.mark.parametrize("model", ["e500", "e429", "e400", "garbage", "empty", "slow"])
async def test_failures_send_quotes_on_time_and_a_short_note(make, model: str) -> None:
    bot = await make(model, seconds=1.0)
    started = time.monotonic()
    bot.api.send(CHAT, ALICE, QUESTION)
    [quotes] = await bot.replies(CHAT["id"])
    assert time.monotonic() - started < 1.0  # quotes never wait for the endpoint
    assert "（五）" in quotes["text"]
    [note] = await bot.replies(CHAT["id"], after=1)
    assert "摘要暂不可用" in note["text"]
    assert not bot.errors


async def test_endpoint_down(make) -> None:
    bot = await make("ok", base_url="http://127.0.0.1:9/v1")
    quotes, note = await ask(bot)
    assert "摘要暂不可用" in note["text"]


@pytest.mark.parametrize(
    "model",
    [
        "uncited",
        "fake-quote",
        "bad-cite",
        "invent-article",
        "invent-figure",
        "invent-corner",
        "invent-single",
        "invent-title",
    ],
)
async def test_ungrounded_summary_is_dropped(make, model: str) -> None:
    bot = await make(model)
    _, note = await ask(bot)
    assert "未通过原文核对" in note["text"]


async def test_a_long_summary_is_capped(make) -> None:
    bot = await make("long")
    _, summary = await ask(bot)
    body = summary["text"].removeprefix("摘要：").split("\n")[0]
    assert 300 < len(body) <= 600


async def test_stream_edits_the_summary_about_once_a_second(make) -> None:
    bot = await make("stream", stream=True, seconds=5)
    _, summary = await ask(bot)
    final = await bot.wait_for(
        lambda: (lambda m: m if m["text"].startswith("摘要：") else None)(
            bot.api.sent(CHAT["id"])[1]
        )
    )
    assert "〔（五）〕" in final["text"]
    edits = bot.api.calls_of("editMessageText")
    assert 2 <= len(edits) <= 4  # ~1.75 s of streaming: at most one edit a second + final


async def test_a_streamed_invention_never_reaches_the_screen(make) -> None:
    bot = await make("stream-invent", stream=True, seconds=5)
    await ask(bot)
    await bot.wait_for(lambda: "未通过原文核对" in bot.api.sent(CHAT["id"])[1]["text"])
    shown = [call["text"] for call in bot.api.calls_of("editMessageText")]
    assert any("明确要求" in text for text in shown)  # the checked sentence was streamed
    assert not any("九十九" in text for text in shown)


async def test_cut_stream_leaves_the_note(make) -> None:
    bot = await make("stream-cut", stream=True, seconds=5)
    await ask(bot)
    await bot.wait_for(lambda: "摘要暂不可用" in bot.api.sent(CHAT["id"])[1]["text"])


async def test_summary_switch_is_per_chat_and_persisted(make, llm: FakeLLM) -> None:
    bot = await make("ok")
    bot.api.send(CHAT, ALICE, "/summary off")
    [off] = await bot.replies(CHAT["id"])
    assert "已关闭" in off["text"]
    assert bot.services.store.summaries_enabled(CHAT["id"]) is False
    bot.api.send(CHAT, ALICE, QUESTION)
    await bot.replies(CHAT["id"], after=1)
    assert len(await bot.quiet(CHAT["id"])) == 2
    assert llm.requests == []
    bot.api.send(CHAT, ALICE, "/summary on")
    [on] = await bot.replies(CHAT["id"], after=2)
    assert "已开启" in on["text"]
    bot.api.send(CHAT, ALICE, QUESTION)
    _, summary = await bot.replies(CHAT["id"], count=2, after=3)
    assert summary["text"].startswith("摘要：")


async def test_summary_command_without_endpoint(bot: Harness) -> None:
    bot.api.send(CHAT, ALICE, "/summary on")
    [reply] = await bot.replies(CHAT["id"])
    assert "未配置摘要服务" in reply["text"]


async def test_digest_gets_a_lead_paragraph(make) -> None:
    bot = await make("ok")
    bot.api.send(CHAT, ALICE, "/subscribe 08:30")
    await bot.replies(CHAT["id"])
    bot.api.send(CHAT, ALICE, "/digest")
    digest = await bot.wait_for(
        lambda: next((m for m in bot.api.sent(CHAT["id"]) if "政策日报" in m["text"]), None)
    )
    assert "〔序言〕" in digest["text"]


async def test_digest_without_lead_when_the_endpoint_fails(make) -> None:
    bot = await make("e500", seconds=1.0)
    bot.api.send(CHAT, ALICE, "/subscribe 08:30")
    await bot.replies(CHAT["id"])
    bot.api.send(CHAT, ALICE, "/digest")
    digest = await bot.wait_for(
        lambda: next((m for m in bot.api.sent(CHAT["id"]) if "政策日报" in m["text"]), None),
        seconds=15,
    )
    assert "今日条款" in digest["text"]
    assert "〔" not in digest["text"]
