"""The webhook/metrics port of the real `serve --webhook` facing hostile clients: half-open
connections past the file limit, idle connections, huge and absurdly nested bodies."""

from __future__ import annotations

import contextlib
import resource
import socket
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import SECRET, Hooked, serve_log, wait_until

pytestmark = pytest.mark.e2e
FILE_LIMIT = 256  # RLIMIT_NOFILE given to the bot process
IDLE_SECONDS = 10.0  # README: a connection that sends no request for this long is closed


def port_of(hooked: Hooked) -> int:
    return int(urlparse(hooked.base).port or 0)


def half_open(port: int, count: int) -> list[socket.socket]:
    """Connections that never send a byte (non-blocking: those the kernel has not yet taken
    stay pending in its backlog)."""
    opened = []
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        opened.append(sock)
    return opened


def test_half_open_connections_past_the_file_limit_do_not_stop_the_bot(
    server: FakeServer, hooked: Hooked, tmp_path: Path
) -> None:
    resource.prlimit(hooked.process.pid, resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))
    sockets = half_open(port_of(hooked), 4 * FILE_LIMIT)
    try:
        time.sleep(2)  # the bot accepts (or fails to) meanwhile
        server.api.send(server.api.private(311), server.api.user(311), "数据二十条第十条")
        [reply] = wait_until(lambda: server.api.sent(311), seconds=20)
        assert "（十）" in reply["text"]
    finally:
        for sock in sockets:
            sock.close()
    log = serve_log(tmp_path)
    assert len(log) < 100_000
    assert log.count("Too many open files") <= 1


def test_a_connection_that_sends_nothing_is_closed_after_the_idle_limit(hooked: Hooked) -> None:
    sock = socket.create_connection(("127.0.0.1", port_of(hooked)))
    sock.settimeout(IDLE_SECONDS + 10)
    started = time.monotonic()
    with sock, contextlib.suppress(ConnectionResetError):
        assert sock.recv(100) == b""  # closed by the bot
    assert time.monotonic() - started < IDLE_SECONDS + 5


def test_a_body_over_the_limit_is_refused_before_it_is_sent(hooked: Hooked) -> None:
    head = (
        "POST /telegram/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {50 * 2**20}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port_of(hooked)), timeout=5) as sock:
        sock.sendall(head.encode() + b"[" * 65536)
        assert sock.recv(100).startswith(b"HTTP/1.1 4")


def test_a_body_of_nested_brackets_gets_400_without_a_traceback(
    hooked: Hooked, tmp_path: Path
) -> None:
    reply = httpx.post(
        hooked.url,
        content=b"[" * 100_000 + b"]" * 100_000,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        trust_env=False,
    )
    assert reply.status_code == 400
    assert "Traceback" not in serve_log(tmp_path)
