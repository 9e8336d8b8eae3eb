"""SIGTERM to the real `serve` process: answers in flight finish (within a bound), digests stop
between parts, and the process exits 0."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bot.store.store import Store
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import (
    CHAT,
    PART_2,
    PART_3,
    SECRET,
    TOKEN,
    Hooked,
    say,
    sends,
    serve,
    serve_log,
    three_part_policy,
    wait_until,
)
from tests.fake_llm import FakeLLM

pytestmark = pytest.mark.e2e
QUESTION = "数据二十条第十条"
ANSWER_MARK = "（十）"  # in the answer's text: the fake holds that sendMessage
DRAIN = 3.0  # POLICYBOT_DRAIN_TIMEOUT of the process that is stopped past it
SUMMARY_GRACE = 3.0  # seconds a stopping bot gives summaries still being written (README)


@contextmanager
def reaped(process: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """The process, killed at the end if a failed assertion left it running."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def logged(tmp_path: Path, chat_id: int) -> list[str]:
    """The questions the process recorded for the chat (the last step of an answer)."""
    store = Store(tmp_path / "data" / "policybot.sqlite3")
    try:
        return [q.question for q in store.questions_since(chat_id, None)]
    finally:
        store.close()


def part_states(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "data" / "policybot.sqlite3") as db:
        rows = db.execute(
            "SELECT state FROM digest_parts WHERE chat_id = ? ORDER BY part", (CHAT,)
        )
        return [r[0] for r in rows]


def test_sigterm_lets_an_answer_in_flight_finish_and_exits_0(
    server: FakeServer, tmp_path: Path
) -> None:
    with reaped(serve(server.root, TOKEN, tmp_path)) as process:
        wait_until(lambda: "Application started" in serve_log(tmp_path))
        server.api.hold("sendMessage", ANSWER_MARK, 2.0)
        server.api.send(server.api.private(501), server.api.user(501), QUESTION)
        wait_until(lambda: server.api.held)  # Telegram is receiving the answer
        process.terminate()
        assert process.wait(timeout=30) == 0
    assert ANSWER_MARK in server.api.sent(501)[0]["text"]
    assert logged(tmp_path, 501) == [QUESTION]  # the handler ran to its end


def test_sigterm_cancels_an_answer_stuck_past_the_grace_and_still_exits_0(
    server: FakeServer, tmp_path: Path
) -> None:
    drain = {"POLICYBOT_DRAIN_TIMEOUT": str(DRAIN)}
    with reaped(serve(server.root, TOKEN, tmp_path, **drain)) as process:
        wait_until(lambda: "Application started" in serve_log(tmp_path))
        server.api.hold("sendMessage", ANSWER_MARK, 60)
        server.api.send(server.api.private(502), server.api.user(502), QUESTION)
        wait_until(lambda: server.api.held)
        stopping = time.monotonic()
        process.terminate()
        assert process.wait(timeout=30) == 0
    assert time.monotonic() - stopping < DRAIN + 8
    assert logged(tmp_path, 502) == []  # cancelled: nothing recorded as answered
    assert "cancelling 1 updates in progress" in serve_log(tmp_path)
    assert "WARNING bot.telegram.lifecycle: stopping: 1 updates" in serve_log(tmp_path)


def test_sigterm_in_webhook_mode_lets_an_answer_in_flight_finish(
    server: FakeServer, hooked: Hooked, tmp_path: Path
) -> None:
    server.api.hold("sendMessage", ANSWER_MARK, 2.0)
    server.api.send(server.api.private(503), server.api.user(503), QUESTION)
    wait_until(lambda: server.api.held)
    hooked.process.terminate()
    assert hooked.process.wait(timeout=30) == 0
    assert logged(tmp_path, 503) == [QUESTION]


def test_a_stopping_webhook_replica_refuses_new_updates_with_503_while_it_drains(
    server: FakeServer, hooked: Hooked
) -> None:
    server.api.hold("sendMessage", ANSWER_MARK, 3.0)
    server.api.send(server.api.private(504), server.api.user(504), QUESTION)
    wait_until(lambda: server.api.held)
    hooked.process.terminate()
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    update = {"update_id": 99, "message": {"message_id": 9, "date": 0, "chat": {"id": 504}}}

    def refused() -> bool:
        reply = httpx.post(hooked.url, json=update, headers=headers, trust_env=False)
        return reply.status_code == 503 and reply.text.strip() == "stopping"

    wait_until(refused, seconds=2)
    assert httpx.get(f"{hooked.base}/healthz", trust_env=False).text.strip() == "stopping"
    assert hooked.process.wait(timeout=30) == 0
    assert ANSWER_MARK in server.api.sent(504)[0]["text"]  # the update it took was answered


def test_sigterm_mid_digest_stops_between_parts_and_the_next_start_sends_the_rest(
    server: FakeServer, tmp_path: Path
) -> None:
    corpus = str(three_part_policy(tmp_path / "corpus"))
    with reaped(serve(server.root, TOKEN, tmp_path, POLICYBOT_CORPUS_DIR=corpus)) as first:
        say(server, "/subscribe 00:00 甲类事项 乙类事项", "已订阅")
        server.api.hold("sendMessage", "政策日报", 2.0)
        server.api.send(server.api.private(CHAT), server.api.user(CHAT), "/digest")
        wait_until(lambda: server.api.held)  # part 1 is on its way
        first.terminate()
        assert first.wait(timeout=30) == 0
    assert part_states(tmp_path) == ["sent", "pending", "pending"]  # none left half-done
    assert "digest to chat 89 paused" in serve_log(tmp_path)
    server.api.holds.clear()
    with reaped(serve(server.root, TOKEN, tmp_path, POLICYBOT_CORPUS_DIR=corpus)) as second:
        wait_until(lambda: sends(server, PART_3), seconds=60)
        second.terminate()
        assert second.wait(timeout=30) == 0
    assert (sends(server, "政策日报"), sends(server, PART_2), sends(server, PART_3)) == (1, 1, 1)
    assert part_states(tmp_path) == ["sent", "sent", "sent"]


def test_sigterm_does_not_wait_for_a_summary_the_llm_has_not_finished(
    server: FakeServer, tmp_path: Path
) -> None:
    with FakeLLM() as llm:
        endpoint = {
            "POLICYBOT_LLM_BASE_URL": llm.base_url,
            "POLICYBOT_LLM_MODEL": "stall",
            "POLICYBOT_LLM_TIMEOUT": "60",
        }
        with reaped(serve(server.root, TOKEN, tmp_path, **endpoint)) as process:
            wait_until(lambda: "Application started" in serve_log(tmp_path))
            server.api.send(server.api.private(505), server.api.user(505), QUESTION)
            wait_until(lambda: server.api.sent(505))  # the quotes are out
            wait_until(lambda: llm.requests)  # the summary is being written
            stopping = time.monotonic()
            process.terminate()
            assert process.wait(timeout=40) == 0
            took = time.monotonic() - stopping
    assert took < SUMMARY_GRACE + 4
    assert logged(tmp_path, 505) == [QUESTION]  # the answer itself was complete
    assert "stopping: 1 summaries not finished, cancelled" in serve_log(tmp_path)
