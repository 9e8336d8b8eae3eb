"""A digest cut short by a kill resumes after restart: the real `serve` process, killed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.endpoints.llm import LEAD_QUESTION
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import (
    CHAT,
    PART_2,
    PART_3,
    TOKEN,
    kill_during_part_1_then_restart,
    say,
    sends,
    serve,
    three_part_policy,
    wait_until,
)
from tests.fake_llm import FakeLLM

pytestmark = pytest.mark.e2e


def recorded(tmp_path: Path) -> tuple[tuple[str, int] | None, set[str]]:
    """The reading-plan cursor and keyword clauses the store holds for the chat."""
    with sqlite3.connect(tmp_path / "data" / "policybot.sqlite3") as db:
        row = db.execute("SELECT doc_id, ordinal FROM reading_cursor WHERE chat_id = ?", (CHAT,))
        cursor = row.fetchone()
        keys = {
            r[0] for r in db.execute("SELECT clause_key FROM sent_log WHERE chat_id = ?", (CHAT,))
        }
    return (tuple(cursor) if cursor else None), keys  # type: ignore[return-value]


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


def test_a_kill_during_part_1_of_3_resumes_with_parts_2_and_3(
    server: FakeServer, tmp_path: Path
) -> None:
    env = {"POLICYBOT_CORPUS_DIR": str(three_part_policy(tmp_path / "corpus"))}
    kill_during_part_1_then_restart(server, tmp_path, env, env)
    assert (sends(server, "政策日报"), sends(server, PART_2), sends(server, PART_3)) == (1, 1, 1)
    order = [c["text"] for c in server.api.calls_of("sendMessage") if int(c["chat_id"]) == CHAT]
    assert [n for n, t in enumerate(order) if PART_2 in t] < [
        n for n, t in enumerate(order) if PART_3 in t
    ]
    cursor, keys = recorded(tmp_path)
    assert cursor == ("测试推送分段的通知", 0)
    assert keys == {"测试推送分段的通知|一、（二）", "测试推送分段的通知|一、（三）"}


def test_a_kill_while_the_lead_is_written_still_sends_the_digest_that_day(
    server: FakeServer, tmp_path: Path, llm: FakeLLM
) -> None:
    env = {
        "POLICYBOT_LLM_BASE_URL": llm.base_url,
        "POLICYBOT_LLM_MODEL": "slow",  # answers after 3 s: the kill comes first
        "POLICYBOT_LLM_REWRITE": "false",
    }
    first = serve(server.root, TOKEN, tmp_path, **env)
    try:
        say(server, "/subscribe 00:00", "已订阅")
        server.api.send(server.api.private(CHAT), server.api.user(CHAT), "/digest")
        wait_until(lambda: any(LEAD_QUESTION in str(r["body"]) for r in llm.requests))
    finally:
        first.kill()
        first.wait(timeout=20)
    assert sends(server, "政策日报") == 0
    asked = len(llm.requests)
    second = serve(server.root, TOKEN, tmp_path, **env)
    try:
        wait_until(lambda: sends(server, "政策日报"), seconds=60)
        say(server, "/digest", "已经发送过")
    finally:
        second.terminate()
        second.wait(timeout=20)
    assert sends(server, "政策日报") == 1
    assert len(llm.requests) == asked  # resumed without the lead that was cut short
    cursor, _ = recorded(tmp_path)
    assert cursor is not None
