"""The real `policybot serve` process against the local Bot API server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.fake_bot_api import FakeServer

pytestmark = pytest.mark.e2e
TOKEN = "424242:SERVE-SECRET-TOKEN"


def serve(
    root: str, token: str | None, tmp_path: Path, *flags: str, **extra: str
) -> subprocess.Popen[str]:
    """Start `policybot serve [flags]` as its own process, configured only by environment.

    Its stderr goes to tmp_path/serve.log (a pipe nobody reads could fill and stall it).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(
        POLICYBOT_TELEGRAM_BASE_URL=root,
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    if token is not None:
        env["POLICYBOT_TELEGRAM_TOKEN"] = token
    env.update(extra)
    with (tmp_path / "serve.log").open("a", encoding="utf-8") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", *flags],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )


def serve_log(tmp_path: Path) -> str:
    """Everything the serve processes of this test wrote to stderr."""
    return (tmp_path / "serve.log").read_text(encoding="utf-8")


def wait_until(condition: Callable[[], Any], seconds: float = 30.0) -> Any:
    """Poll a condition from the test thread (the bot runs in another process)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the bot process")


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
        process.wait(timeout=20)
    err = serve_log(tmp_path)
    assert "Application started" in err
    assert TOKEN not in err
    assert "SERVE-SECRET" not in err


def test_serve_without_token_says_so_in_one_line(tmp_path: Path) -> None:
    process = serve("http://127.0.0.1:9", None, tmp_path)
    process.wait(timeout=60)
    err = serve_log(tmp_path)
    assert process.returncode == 2
    assert err.strip().splitlines() == [err.strip()]
    assert "POLICYBOT_TELEGRAM_TOKEN" in err


@pytest.mark.parametrize("missing", ["POLICYBOT_WEBHOOK_URL", "POLICYBOT_WEBHOOK_SECRET"])
def test_serve_webhook_without_its_settings_says_so_in_one_line(
    server: FakeServer, tmp_path: Path, missing: str
) -> None:
    webhook = {
        "POLICYBOT_WEBHOOK_URL": "https://bot.example.org/hook",
        "POLICYBOT_WEBHOOK_SECRET": "hook-secret",
    }
    del webhook[missing]
    process = serve(server.root, TOKEN, tmp_path, "--webhook", **webhook)
    process.wait(timeout=60)
    err = serve_log(tmp_path).strip()
    assert process.returncode == 2
    assert err.splitlines() == [err]
    assert missing in err
    assert not server.api.calls_of("setWebhook")


def test_serve_with_a_rejected_token_says_so_in_one_line(
    server: FakeServer, tmp_path: Path
) -> None:
    process = serve(server.root, "1:INVALID", tmp_path)
    process.wait(timeout=60)
    err = serve_log(tmp_path)
    assert process.returncode == 2
    assert "无效" in err
    assert "Traceback" not in err


def test_serve_answers_from_the_old_index_while_re_indexing(
    server: FakeServer, tmp_path: Path
) -> None:
    import shutil

    from config.settings import BUNDLED_CORPUS, LEXICON_DIR
    from retrieval.library import Library, LibraryPaths

    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    Library.load(LibraryPaths(corpus, LEXICON_DIR, tmp_path / "data" / "cache"))
    (corpus / "new.txt").write_text(
        "关于测试重建索引的通知\n\n一、总体要求\n\n（一）基本原则。推进索引重建演练工作。\n",
        encoding="utf-8",
    )
    process = serve(server.root, TOKEN, tmp_path, POLICYBOT_CORPUS_DIR=str(corpus))
    try:
        wait_until(lambda: "re-indexed" in serve_log(tmp_path))
        chat = server.api.private(91)
        server.api.send(chat, server.api.user(91), "索引重建演练")
        wait_until(lambda: server.api.sent(91))
        assert "推进索引重建演练工作" in server.api.sent(91)[0]["text"]
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert "answering from the previous index while re-indexing" in serve_log(tmp_path)
