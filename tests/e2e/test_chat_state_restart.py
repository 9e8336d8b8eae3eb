"""What the bot remembers about a chat (its document, its questions for 更多结果) outlives the
Application and the process: a new one on the same data directory carries on."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from retrieval.library import Library
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import TOKEN, buttons, running_bot, serve, wait_until

pytestmark = pytest.mark.e2e

ALICE = {"id": 931, "is_bot": False, "first_name": "Alice"}
PRIVATE = {"id": 931, "type": "private", "first_name": "Alice"}
GROUP = {"id": -1009312, "type": "supergroup", "title": "数据处"}
QUESTION = "数据安全托管服务"


def first_lines(messages: list[dict[str, Any]]) -> set[str]:
    return {m["text"].splitlines()[0] for m in messages}


async def test_more_results_pages_after_the_application_restarts(
    server: FakeServer, library: Library, tmp_path: Path
) -> None:
    async with running_bot(server, library, tmp_path) as bot:
        bot.api.send(PRIVATE, ALICE, QUESTION)
        [answer] = await bot.replies(PRIVATE["id"])
        more = buttons(answer)["更多结果"]
    async with running_bot(server, library, tmp_path) as bot:
        bot.api.press(answer, more, ALICE)
        [page] = await bot.replies(PRIVATE["id"], after=1)
        assert page["text"] != texts.EXPIRED
        assert page["text"].splitlines()[0] != answer["text"].splitlines()[0]
        assert "更多结果" in buttons(page)  # still pageable: shown advanced with it
        assert not bot.errors


async def test_a_second_page_after_a_restart_is_not_the_first_again(
    server: FakeServer, library: Library, tmp_path: Path
) -> None:
    async with running_bot(server, library, tmp_path) as bot:
        bot.api.send(PRIVATE, ALICE, QUESTION)
        [answer] = await bot.replies(PRIVATE["id"])
        more = buttons(answer)["更多结果"]
        bot.api.press(answer, more, ALICE)
        [page] = await bot.replies(PRIVATE["id"], after=1)
    async with running_bot(server, library, tmp_path) as bot:
        bot.api.press(answer, more, ALICE)
        [again] = await bot.replies(PRIVATE["id"], after=2)
        assert again["text"] not in (texts.EXPIRED, page["text"])
        assert not bot.errors


async def test_a_bare_clause_number_follows_the_document_read_before_the_restart(
    server: FakeServer, library: Library, tmp_path: Path
) -> None:
    async with running_bot(server, library, tmp_path) as bot:
        bot.api.send(GROUP, ALICE, "/clause 数据二十条第十条")
        [answer] = await bot.replies(GROUP["id"])
        assert "（十）" in answer["text"]
    async with running_bot(server, library, tmp_path) as bot:
        bot.api.send(GROUP, ALICE, "/clause 第九条")
        [follow_up] = await bot.replies(GROUP["id"], after=1)
        # Without the chat's document both documents' （九） are candidates; with it, its own.
        assert follow_up["text"].startswith(f"《{library.document('data20').title}》（九）")
        assert library.document("public_data").title not in follow_up["text"]
        assert not bot.errors


async def test_without_the_document_a_bare_number_answers_from_every_document(
    server: FakeServer, library: Library, tmp_path: Path
) -> None:
    async with running_bot(server, library, tmp_path) as bot:
        bot.api.send(GROUP, ALICE, "/clause 第九条")
        [answer] = await bot.replies(GROUP["id"])
        assert answer["text"].startswith(texts.AMBIGUOUS)
        assert library.document("public_data").title in answer["text"]


def test_more_results_pages_after_the_serve_process_restarts(
    server: FakeServer, tmp_path: Path
) -> None:
    chat, user = server.api.private(932), server.api.user(932)
    first = serve(server.root, TOKEN, tmp_path)
    try:
        server.api.send(chat, user, QUESTION)
        wait_until(lambda: len(server.api.sent(932)) == 1)
        [answer] = server.api.sent(932)
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0
    second = serve(server.root, TOKEN, tmp_path)
    try:
        server.api.press(answer, buttons(answer)["更多结果"], user)
        wait_until(lambda: len(server.api.sent(932)) == 2)
        page = server.api.sent(932)[-1]
        assert page["text"] != texts.EXPIRED
        assert first_lines([page]) != first_lines([answer])
    finally:
        second.terminate()
        second.wait(timeout=20)
