"""/healthz and /metrics of a long-polling `policybot serve` on POLICYBOT_METRICS_PORT."""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import TOKEN, free_port, serve, serve_log, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def metrics_base(server: FakeServer, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process: subprocess.Popen[str] = serve(
        server.root, TOKEN, tmp_path, POLICYBOT_METRICS_PORT=str(port)
    )
    try:
        wait_until(lambda: "Application started" in serve_log(tmp_path))
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def sample(base: str, name: str) -> float:
    """One sample's value from /metrics (0 when the series is not there yet)."""
    text = httpx.get(f"{base}/metrics", trust_env=False).text
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_healthz_answers_on_the_metrics_port_while_polling(metrics_base: str) -> None:
    assert httpx.get(f"{metrics_base}/healthz", trust_env=False).status_code == 200


def test_metrics_count_a_question_its_answer_and_its_latency(
    server: FakeServer, metrics_base: str
) -> None:
    assert sample(metrics_base, "policybot_questions_total") == 0
    server.api.send(server.api.private(401), server.api.user(401), "数据二十条第十条")
    wait_until(lambda: server.api.sent(401))
    wait_until(lambda: sample(metrics_base, "policybot_answer_seconds_count") == 1)
    assert sample(metrics_base, "policybot_questions_total") == 1
    assert sample(metrics_base, 'policybot_answers_total{status="ok"}') == 1
    assert sample(metrics_base, 'policybot_answers_total{status="not_found"}') == 0


def test_metrics_count_telegram_errors_by_code(server: FakeServer, metrics_base: str) -> None:
    server.api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    server.api.send(server.api.private(402), server.api.user(402), "数据二十条第十条")
    wait_until(lambda: sample(metrics_base, 'policybot_telegram_errors_total{code="403"}') == 1)
    assert sample(metrics_base, 'policybot_telegram_errors_total{code="400"}') == 0


def test_a_metrics_port_already_taken_ends_serve_with_one_line(
    server: FakeServer, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = serve(server.root, TOKEN, tmp_path, POLICYBOT_METRICS_PORT=str(port))
        assert process.wait(timeout=60) == 2
    log = serve_log(tmp_path)
    assert log.strip().splitlines()[-1].startswith(f"无法在 0.0.0.0:{port} 上监听")
    assert "Traceback" not in log


def test_serve_at_log_level_warning_logs_no_routine_line(
    server: FakeServer, tmp_path: Path
) -> None:
    port = free_port()
    process = serve(
        server.root,
        TOKEN,
        tmp_path,
        POLICYBOT_METRICS_PORT=str(port),
        POLICYBOT_LOG_LEVEL="WARNING",
    )
    try:
        server.api.send(server.api.private(91), server.api.user(91), "数据二十条第十条")
        wait_until(lambda: server.api.sent(91))
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert " INFO " not in serve_log(tmp_path)
