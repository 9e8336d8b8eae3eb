"""The real `policybot serve` process against the local Bot API server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import TOKEN, serve, serve_log, wait_until

pytestmark = pytest.mark.e2e


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
