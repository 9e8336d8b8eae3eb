"""compose.yaml, checked without Docker: its services, volumes, healthchecks and settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"
BOTS = ("bot-1", "bot-2")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def env(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in service["environment"].items()}


def test_it_runs_postgresql_and_two_bot_replicas(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"db", *BOTS}
    assert compose["services"]["db"]["image"].startswith("postgres:15")
    for name in BOTS:
        assert compose["services"][name]["command"] == ["policybot", "serve", "--webhook"]


def test_every_policybot_variable_is_a_setting(compose: dict[str, Any]) -> None:
    for name in BOTS:
        for variable in env(compose["services"][name]):
            assert variable.startswith("POLICYBOT_")
            assert variable.removeprefix("POLICYBOT_").lower() in Settings.model_fields, variable


def test_the_replicas_share_webhook_and_database_but_not_port_or_data(
    compose: dict[str, Any],
) -> None:
    one, two = (compose["services"][name] for name in BOTS)
    assert env(one) == env(two)
    assert env(one)["POLICYBOT_WEBHOOK_KEEP_ON_STOP"] == "true"
    assert env(one)["POLICYBOT_DATABASE_URL"].startswith("postgresql://policybot:")
    assert "@db:5432/policybot" in env(one)["POLICYBOT_DATABASE_URL"]
    assert one["ports"] != two["ports"]
    assert one["volumes"] != two["volumes"]
    for service in (one, two):
        assert service["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_database_url_matches_the_postgresql_service(compose: dict[str, Any]) -> None:
    db = env(compose["services"]["db"])
    url = env(compose["services"]["bot-1"])["POLICYBOT_DATABASE_URL"]
    assert url.startswith(f"postgresql://{db['POSTGRES_USER']}:")
    assert url.endswith(f"@db:5432/{db['POSTGRES_DB']}")
    assert db["POSTGRES_PASSWORD"] in url  # the same ${POSTGRES_PASSWORD}


def test_volumes_are_named_and_declared(compose: dict[str, Any]) -> None:
    used = {
        mount.split(":")[0]
        for service in compose["services"].values()
        for mount in service.get("volumes", [])
    }
    assert used == set(compose["volumes"]) == {"db-data", "bot-1-data", "bot-2-data", "corpus"}
    for name in BOTS:
        assert f"{name}-data:/data" in compose["services"][name]["volumes"]


def test_the_replicas_share_one_writable_corpus_volume(compose: dict[str, Any]) -> None:
    for name in BOTS:
        service = compose["services"][name]
        assert f"corpus:{env(service)['POLICYBOT_CORPUS_DIR']}" in service["volumes"]


def test_the_image_is_built_once_and_both_replicas_run_it(compose: dict[str, Any]) -> None:
    one, two = (compose["services"][name] for name in BOTS)
    assert one["image"] == two["image"]
    assert "build" in one
    assert "build" not in two
    assert two["pull_policy"] == "never"
    assert one["build"]["secrets"] == ["pip_ca"]
    assert "pip_ca" in compose["secrets"]


@pytest.mark.parametrize(
    "name", ["TELEGRAM_BASE_URL", "LLM_BASE_URL", "LLM_API_KEY", "EMBED_BASE_URL", "LOG_LEVEL"]
)
def test_settings_are_passed_through_from_the_environment(
    compose: dict[str, Any], name: str
) -> None:
    assert env(compose["services"]["bot-1"])[f"POLICYBOT_{name}"].startswith(
        f"${{POLICYBOT_{name}:-"
    )


def test_postgresql_is_checked_with_pg_isready(compose: dict[str, Any]) -> None:
    test = compose["services"]["db"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "pg_isready"]


def test_the_bot_healthcheck_asks_healthz_on_the_webhook_port(compose: dict[str, Any]) -> None:
    service = compose["services"]["bot-1"]
    check = service["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python3", "-c"]
    port = env(service)["POLICYBOT_WEBHOOK_PORT"]
    assert f"http://127.0.0.1:{port}/healthz" in check[3]
    assert all(p.endswith(f":{port}") for p in service["ports"])


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def health() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), type("Health", (_Health,), {}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_bot_healthcheck_fails_unless_healthz_says_200(
    compose: dict[str, Any], health: HTTPServer, status: int, healthy: bool
) -> None:
    health.RequestHandlerClass.status = status  # type: ignore[attr-defined]
    code = compose["services"]["bot-1"]["healthcheck"]["test"][3]
    here = re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{health.server_address[1]}", code)
    proxied = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}  # never used
    run = subprocess.run(
        [sys.executable, "-c", here], env=proxied, capture_output=True, timeout=30
    )
    assert (run.returncode == 0) is healthy
