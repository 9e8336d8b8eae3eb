"""A `serve` replica that loses its PostgreSQL: it says why on /healthz, sends webhook updates
to the other replicas (503), and a polling one answers without waiting for the database."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.db_link import DatabaseLink
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import SECRET, TOKEN, free_port, serve, serve_log, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("database", ["postgresql"], indirect=True)]


@pytest.fixture
def link(database: str) -> Iterator[DatabaseLink]:
    link = DatabaseLink(database)
    yield link
    link.cut()


@pytest.fixture
def replica(server: FakeServer, tmp_path: Path, link: DatabaseLink) -> Iterator[str]:
    """A `serve --webhook` on PostgreSQL through the link; yields its base URL once healthy."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(
        server.root,
        TOKEN,
        tmp_path,
        "--webhook",
        POLICYBOT_DATABASE_URL=link.url,
        POLICYBOT_WEBHOOK_URL=f"{base}/telegram/hook",
        POLICYBOT_WEBHOOK_LISTEN="127.0.0.1",
        POLICYBOT_WEBHOOK_PORT=str(port),
        POLICYBOT_WEBHOOK_SECRET=SECRET,
    )
    try:
        wait_until(lambda: healthz(base).status_code == 200, seconds=60)
        yield base
    finally:
        stop(process)


def healthz(base: str, method: str = "GET") -> httpx.Response:
    try:
        return httpx.request(method, f"{base}/healthz", trust_env=False, timeout=10)
    except httpx.HTTPError:
        return httpx.Response(0)


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def test_healthz_names_the_database_error_within_two_seconds(
    replica: str, link: DatabaseLink
) -> None:
    link.cut()
    started = time.monotonic()
    reply = healthz(replica)
    assert time.monotonic() - started < 2.5
    assert reply.status_code == 503
    assert reply.text.startswith("database error: ")
    assert "refused" in reply.text


def test_healthz_answers_head_without_a_body(replica: str, link: DatabaseLink) -> None:
    ok = healthz(replica, "HEAD")
    assert (ok.status_code, ok.content) == (200, b"")
    link.cut()
    assert healthz(replica, "HEAD").status_code == 503


def test_a_replica_without_its_database_refuses_webhook_updates_with_503(
    server: FakeServer, replica: str, link: DatabaseLink
) -> None:
    link.cut()
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5}}}

    def refused() -> bool:
        url = f"{replica}/telegram/hook"
        reply = httpx.post(url, json=update, headers=headers, trust_env=False)
        return reply.status_code == 503 and reply.text.startswith("database error")

    # The background check runs every 2 s and gives the database 2 s: 4 s, then the 503. The
    # bound doubles that, for a loaded machine (5 s failed once with other suites running).
    wait_until(refused, seconds=8)


def test_a_polling_bot_without_its_database_answers_without_waiting_for_it(
    server: FakeServer, tmp_path: Path, link: DatabaseLink
) -> None:
    process = serve(server.root, TOKEN, tmp_path, POLICYBOT_DATABASE_URL=link.url)
    try:
        ask(server, 81, "数据二十条第十条")
        link.cut()
        waits = [ask(server, 81, question) for question in ("数据二十条第一条", "第三条")]
    finally:
        stop(process)
    # The first answer after the cut meets the broken pooled connections; none waits the
    # pool's 5 s for the chat's state.
    assert max(waits) < 1.5, waits
    assert "not read, using memory" in serve_log(tmp_path)


def ask(server: FakeServer, chat_id: int, text: str) -> float:
    """Seconds from the question to its answer."""
    before = len(server.api.sent(chat_id))
    started = time.monotonic()
    server.api.send(server.api.private(chat_id), server.api.user(chat_id), text)
    wait_until(lambda: len(server.api.sent(chat_id)) > before, seconds=60)
    return time.monotonic() - started
