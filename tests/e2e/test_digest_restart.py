"""Subscriptions and the at-most-once digest across real restarts and a real kill."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import TOKEN, serve, wait_until

pytestmark = pytest.mark.e2e
CHAT = 88


def last_text(server: FakeServer) -> str:
    sent = server.api.sent(CHAT)
    return sent[-1]["text"] if sent else ""


def digest_sends(server: FakeServer) -> int:
    return sum("政策日报" in str(c.get("text", "")) for c in server.api.calls_of("sendMessage"))


def say(server: FakeServer, text: str, expect: str) -> str:
    before = len(server.api.sent(CHAT))
    server.api.send(server.api.private(CHAT), server.api.user(CHAT), text)
    wait_until(lambda: len(server.api.sent(CHAT)) > before and expect in last_text(server))
    return last_text(server)


def test_subscription_and_schedule_survive_a_restart(server: FakeServer, tmp_path: Path) -> None:
    first = serve(server.root, TOKEN, tmp_path)
    try:
        say(server, "/subscribe 23:59 数据安全", "已订阅")
        say(server, "/digest", "政策日报")
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=20)
    second = serve(server.root, TOKEN, tmp_path)
    try:
        shown = say(server, "/subscribe", "每日推送")
        assert "已开启" in shown
        assert "每天 23:59" in shown
        assert "数据安全" in shown
        assert "下次推送：—" not in shown  # the job was re-created from the store
        say(server, "/digest", "已经发送过")
        assert digest_sends(server) == 1
    finally:
        second.terminate()
        second.wait(timeout=20)


def test_a_digest_killed_mid_send_is_never_sent_twice(server: FakeServer, tmp_path: Path) -> None:
    server.api.hold("sendMessage", "政策日报", 15)
    first = serve(server.root, TOKEN, tmp_path)
    try:
        say(server, "/subscribe 00:00", "已订阅")
        server.api.send(server.api.private(CHAT), server.api.user(CHAT), "/digest")
        wait_until(lambda: server.api.held)
    finally:
        first.kill()  # SIGKILL while Telegram is still receiving the digest
        first.wait(timeout=20)
    server.api.holds.clear()
    second = serve(server.root, TOKEN, tmp_path)
    try:
        # Start-up catch-up sees today's digest already claimed; /digest says so.
        say(server, "/digest", "已经发送过")
        assert digest_sends(server) == 1
    finally:
        second.terminate()
        second.wait(timeout=20)
