"""The real `serve` process starts over damaged state instead of dying on it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import TOKEN, serve, serve_log, wait_until

pytestmark = pytest.mark.e2e


def test_serve_moves_a_corrupt_database_aside_and_answers(
    server: FakeServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    garbage = b"SQLite format 3\x00" + os.urandom(8192)
    (data / "policybot.sqlite3").write_bytes(garbage)
    process = serve(server.root, TOKEN, tmp_path)
    try:
        chat = server.api.private(78)
        server.api.send(chat, server.api.user(78), "数据二十条第十条")
        wait_until(lambda: server.api.sent(78), seconds=60)
        assert "（十）" in server.api.sent(78)[0]["text"]
    finally:
        process.terminate()
        process.wait(timeout=20)
    log = serve_log(tmp_path)
    assert "Traceback" not in log
    [line] = [ln for ln in log.splitlines() if "database damaged" in ln]
    [aside] = data.glob("policybot.sqlite3.corrupt-*")
    assert aside.name in line
    assert aside.read_bytes() == garbage
