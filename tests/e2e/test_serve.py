"""The real `policybot serve` process against the local Bot API server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.fake_bot_api import FakeServer

pytestmark = pytest.mark.e2e
TOKEN = "424242:SERVE-SECRET-TOKEN"


def serve(root: str, token: str | None, tmp_path: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(
        POLICYBOT_TELEGRAM_BASE_URL=root,
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    if token is not None:
        env["POLICYBOT_TELEGRAM_TOKEN"] = token
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_answers_and_keeps_the_token_out_of_logs(server: FakeServer, tmp_path: Path) -> None:
    process = serve(server.root, TOKEN, tmp_path)
    try:
        chat = server.api.private(77)
        server.api.send(chat, server.api.user(77), "数据二十条第十条")
        deadline = time.monotonic() + 30
        while not server.api.sent(77) and time.monotonic() < deadline:
            time.sleep(0.1)
        [reply] = server.api.sent(77)
        assert "（十）" in reply["text"]
        assert server.api.calls_of("setMyCommands")
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert TOKEN not in err
    assert "SERVE-SECRET" not in err


def test_serve_without_token_says_so_in_one_line(tmp_path: Path) -> None:
    process = serve("http://127.0.0.1:9", None, tmp_path)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert err.strip().splitlines() == [err.strip()]
    assert "POLICYBOT_TELEGRAM_TOKEN" in err


def test_serve_with_a_rejected_token_says_so_in_one_line(
    server: FakeServer, tmp_path: Path
) -> None:
    process = serve(server.root, "1:INVALID", tmp_path)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "无效" in err
    assert "Traceback" not in err
