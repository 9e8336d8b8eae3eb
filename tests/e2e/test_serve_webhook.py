"""The real `policybot serve --webhook` process: Telegram posts updates to it, with a secret."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from bot import texts
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import SECRET, TOKEN, Hooked, free_port, serve, serve_log, wait_until

pytestmark = pytest.mark.e2e


def update_json(server: FakeServer, chat_id: int, text: str) -> dict[str, object]:
    """A message update as Telegram would post it (not queued at the fake)."""
    return {
        "update_id": 900000 + chat_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": server.api.private(chat_id),
            "from": server.api.user(chat_id),
            "text": text,
        },
    }


def test_serve_webhook_sets_the_webhook_with_its_secret(
    server: FakeServer, hooked: Hooked
) -> None:
    assert server.api.webhook is not None
    assert server.api.webhook["url"] == hooked.url
    assert server.api.webhook["secret_token"] == SECRET


def test_an_update_posted_with_the_secret_is_answered(server: FakeServer, hooked: Hooked) -> None:
    server.api.send(server.api.private(301), server.api.user(301), "数据二十条第十条")
    [reply] = wait_until(lambda: server.api.sent(301))
    assert "（十）" in reply["text"]
    assert 200 in server.api.webhook_replies


@pytest.mark.parametrize("header", [None, "wrong-secret"])
def test_a_webhook_request_without_the_secret_gets_403_and_changes_nothing(
    server: FakeServer, hooked: Hooked, header: str | None
) -> None:
    headers = {} if header is None else {"X-Telegram-Bot-Api-Secret-Token": header}
    with httpx.Client(trust_env=False) as client:
        refused = client.post(
            hooked.url, json=update_json(server, 302, "数据二十条第十条"), headers=headers
        )
        metrics = client.get(f"{hooked.base}/metrics").text
    assert refused.status_code == 403
    server.api.send(server.api.private(303), server.api.user(303), "数据二十条第十条")
    wait_until(lambda: server.api.sent(303))  # a real update after it is answered…
    assert server.api.sent(302) == []  # …and the refused one never was
    assert "policybot_questions_total 0.0" in metrics


def test_sigterm_deletes_the_webhook_and_exits_0(
    server: FakeServer, hooked: Hooked, tmp_path: Path
) -> None:
    hooked.process.terminate()
    assert hooked.process.wait(timeout=30) == 0
    assert server.api.webhook is None
    assert server.api.calls_of("deleteWebhook")
    assert "Traceback" not in serve_log(tmp_path)


def test_healthz_is_200_on_the_webhook_port_when_ready(hooked: Hooked) -> None:
    reply = httpx.get(f"{hooked.base}/healthz", trust_env=False)
    assert reply.status_code == 200
    assert reply.text.strip() == "ok"


def test_healthz_is_503_when_the_database_is_unusable(hooked: Hooked, tmp_path: Path) -> None:
    database = tmp_path / "data" / "policybot.sqlite3"
    for path in database.parent.glob("policybot.sqlite3*"):
        path.write_bytes(b"not a database, an operator's mistake " * 200)
    reply = httpx.get(f"{hooked.base}/healthz", trust_env=False)
    assert reply.status_code == 503
    assert "database" in reply.text


def test_a_webhook_telegram_refuses_ends_serve_with_one_line(
    server: FakeServer, tmp_path: Path
) -> None:
    server.api.fail_next("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided")
    process = serve(
        server.root,
        TOKEN,
        tmp_path,
        "--webhook",
        POLICYBOT_WEBHOOK_URL="http://127.0.0.1:9/hook",
        POLICYBOT_WEBHOOK_LISTEN="127.0.0.1",
        POLICYBOT_WEBHOOK_PORT=str(free_port()),
        POLICYBOT_WEBHOOK_SECRET=SECRET,
    )
    assert process.wait(timeout=60) == 2
    last = serve_log(tmp_path).strip().splitlines()[-1]
    assert last.startswith("Telegram 拒绝设置 webhook")
    assert "url must be provided" in last  # PTB rewords the start of the description
    assert "Traceback" not in serve_log(tmp_path)


def test_a_port_already_taken_ends_serve_with_one_line(server: FakeServer, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = serve(
            server.root,
            TOKEN,
            tmp_path,
            "--webhook",
            POLICYBOT_WEBHOOK_URL="https://bot.example.org/hook",
            POLICYBOT_WEBHOOK_LISTEN="127.0.0.1",
            POLICYBOT_WEBHOOK_PORT=str(port),
            POLICYBOT_WEBHOOK_SECRET=SECRET,
        )
        assert process.wait(timeout=60) == 2
    log = serve_log(tmp_path)
    assert log.strip().splitlines()[-1].startswith(f"无法在 127.0.0.1:{port} 上监听")
    assert "Traceback" not in log
    assert not server.api.calls_of("setWebhook")


def test_a_token_revoked_in_webhook_mode_ends_the_process_with_one_line(
    server: FakeServer, hooked: Hooked, tmp_path: Path
) -> None:
    # No update arrives: the bot must notice on its own (getMe), as getUpdates does in polling.
    for method in ("getMe", "sendMessage", "deleteWebhook"):
        server.api.fail_next(method, 401, "Unauthorized", times=1000)
    assert hooked.process.wait(timeout=40) == 2
    log = serve_log(tmp_path)
    assert log.count(texts.TOKEN_REVOKED) == 1
    assert log.strip().splitlines()[-1] == texts.TOKEN_REVOKED
    assert "Traceback" not in log


def test_healthz_reports_a_bot_api_that_does_not_answer(
    server: FakeServer, hooked: Hooked
) -> None:
    assert httpx.get(f"{hooked.base}/healthz", trust_env=False).text.strip() == "ok"
    server.api.fail_next("getMe", 502, "Bad Gateway", times=1000)

    def reported() -> str | None:
        reply = httpx.get(f"{hooked.base}/healthz", trust_env=False)
        return reply.text.strip() if reply.status_code == 503 else None

    assert wait_until(reported, seconds=30).startswith("Bot API")
