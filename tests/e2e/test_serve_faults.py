"""The real `policybot serve` process under faults: a flood, a revoked token, no corpus."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from bot import texts
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import TOKEN, serve, serve_log, wait_until

pytestmark = pytest.mark.e2e
GROUP = {"id": -1010, "type": "supergroup", "title": "大群"}


def terminate(process: subprocess.Popen[str], seconds: float = 15.0) -> bool:
    """SIGTERM; True when the process ended within `seconds` (else it is killed)."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False
    return True


def test_sigterm_stops_the_bot_during_a_flood_that_leaves_others_answered(
    server: FakeServer, tmp_path: Path
) -> None:
    api = server.api
    # DEBUG: messages dropped by the flood limit are logged there (routine in a flood).
    process = serve(server.root, TOKEN, tmp_path, POLICYBOT_LOG_LEVEL="DEBUG")
    try:
        api.send(api.private(61), api.user(61), "数据二十条第十条")
        wait_until(lambda: api.sent(61))  # up and answering
        flooder = api.user(60)
        for n in range(200):  # 200 /ask in 5 s from one user in a group
            api.send(GROUP, flooder, "/ask 数据安全")
            if n == 120:
                asked = time.monotonic()
                api.send(api.private(62), api.user(62), "数据二十条第十条")
            time.sleep(0.025)
        wait_until(lambda: api.sent(62), seconds=10)
        assert api.sent(62)[0]["sent_at"] - asked < 2.0
    finally:
        stopped = terminate(process)
    assert stopped  # it used to wait for ~190 notices at 20 a minute
    assert sum("太快" in m["text"] for m in api.sent(GROUP["id"])) == 1
    assert "dropped a message" in serve_log(tmp_path)


def test_a_token_revoked_while_running_ends_the_process(
    server: FakeServer, tmp_path: Path
) -> None:
    process = serve(server.root, TOKEN, tmp_path)
    try:
        server.api.send(server.api.private(63), server.api.user(63), "数据二十条第十条")
        wait_until(lambda: server.api.sent(63))
        server.api.fail_next("getUpdates", 401, "Unauthorized", times=1000)
        process.wait(timeout=30)
    finally:
        terminate(process, 0)
    log = serve_log(tmp_path)
    assert process.returncode == 2
    assert log.count(texts.TOKEN_REVOKED) == 1
    assert log.strip().splitlines()[-1] == texts.TOKEN_REVOKED
    assert "Traceback" not in log


def test_a_token_revoked_before_a_reply_ends_the_process(
    server: FakeServer, tmp_path: Path
) -> None:
    process = serve(server.root, TOKEN, tmp_path)
    try:
        wait_until(lambda: "Application started" in serve_log(tmp_path))
        server.api.fail_next("sendMessage", 401, "Unauthorized")
        server.api.send(server.api.private(64), server.api.user(64), "数据二十条第十条")
        process.wait(timeout=30)
    finally:
        terminate(process, 0)
    log = serve_log(tmp_path)
    assert process.returncode == 2
    assert log.strip().splitlines()[-1] == texts.TOKEN_REVOKED
    assert "Traceback" not in log


def test_an_empty_corpus_warns_at_start_up(server: FakeServer, tmp_path: Path) -> None:
    corpus = tmp_path / "empty"
    corpus.mkdir()
    process = serve(server.root, TOKEN, tmp_path, POLICYBOT_CORPUS_DIR=str(corpus))
    try:
        wait_until(lambda: "Application started" in serve_log(tmp_path))
    finally:
        terminate(process)
    assert texts.EMPTY_CORPUS.format(path=corpus) in serve_log(tmp_path)


# A poll as Bot API servers before 9.6 send it: its options have no persistent_id.
OLD_POLL = {
    "id": "5",
    "question": "开会时间？",
    "options": [{"text": "周一", "voter_count": 0}, {"text": "周二", "voter_count": 0}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
}


def test_an_update_from_an_older_bot_api_server_ends_the_process_with_one_line(
    server: FakeServer, tmp_path: Path
) -> None:
    process = serve(server.root, TOKEN, tmp_path)
    try:
        wait_until(lambda: "Application started" in serve_log(tmp_path))
        server.api.push({"poll": OLD_POLL})
        process.wait(timeout=30)
    finally:
        terminate(process, 0)
    log = serve_log(tmp_path)
    assert process.returncode == 2
    assert log.strip().splitlines()[-1].startswith(texts.BOT_API_TOO_OLD.split("（")[0])
    assert "persistent_id" in log.strip().splitlines()[-1]
    assert "Traceback" not in log
    assert len(log) < 20_000
