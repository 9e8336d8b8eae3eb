"""Fixtures of the end-to-end tests: the local Bot API server, a webhook process, the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from retrieval.library import Library
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import (
    SECRET,
    TOKEN,
    Harness,
    Hooked,
    free_port,
    running_bot,
    serve,
    wait_until,
)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        yield running


@pytest.fixture
def hooked(server: FakeServer, tmp_path: Path) -> Iterator[Hooked]:
    """`policybot serve --webhook` on a free port; its webhook is set when the test starts."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = serve(
        server.root,
        TOKEN,
        tmp_path,
        "--webhook",
        POLICYBOT_WEBHOOK_URL=f"{base}/telegram/hook",
        POLICYBOT_WEBHOOK_LISTEN="127.0.0.1",
        POLICYBOT_WEBHOOK_PORT=str(port),
        POLICYBOT_WEBHOOK_SECRET=SECRET,
    )
    try:
        wait_until(lambda: server.api.webhook is not None)
        yield Hooked(process, base, f"{base}/telegram/hook")
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
async def bot(server: FakeServer, library: Library, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(server, library, tmp_path) as harness:
        yield harness
