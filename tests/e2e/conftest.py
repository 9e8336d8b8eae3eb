"""The real Application, long polling a local fake Bot API server over HTTP."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.llm import llm_from_settings
from bot.state import Services
from bot.store import Store
from bot.telegram.app import build_application, post_init
from config.settings import Settings
from retrieval.library import Library
from tests.e2e.fake_bot_api import FakeBotApi, FakeServer
from tests.e2e.test_serve import TOKEN, serve, wait_until

SECRET = "s3cret-Token_13"  # POLICYBOT_WEBHOOK_SECRET of the webhook bot processes


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        yield running


def free_port() -> int:
    """A port nobody listens on right now, for the bot's HTTP server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Hooked:
    """A webhook bot process and where it listens."""

    process: subprocess.Popen[str]
    base: str  # http://127.0.0.1:PORT
    url: str  # the webhook URL it registered


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


@dataclass
class Harness:
    """What a test needs: the fake's state, the handler errors, and a way to wait."""

    api: FakeBotApi
    errors: list[BaseException]
    services: Services
    clock: FakeClock
    app: Any

    async def wait_for(self, condition: Callable[[], Any], seconds: float = 10.0) -> Any:
        """Poll without blocking the bot's event loop until condition() is truthy."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            await asyncio.sleep(0.02)
        raise AssertionError("timed out waiting for the bot")

    async def replies(self, chat_id: int, count: int = 1, after: int = 0) -> list[dict[str, Any]]:
        """Wait for `count` bot messages in the chat beyond the first `after`."""
        return await self.wait_for(
            lambda: (lambda s: s[after:] if len(s) >= after + count else None)(
                self.api.sent(chat_id)
            )
        )

    async def quiet(self, chat_id: int, seconds: float = 0.6) -> list[dict[str, Any]]:
        """Let the bot work a moment, then return what it sent to the chat."""
        await asyncio.sleep(seconds)
        return self.api.sent(chat_id)


@dataclass
class FakeClock:
    """The bot's clock: real time until a test sets `current`."""

    current: datetime | None = None

    def __call__(self) -> datetime:
        return self.current or datetime.now(UTC)


@asynccontextmanager
async def running_bot(
    server: FakeServer, library: Library, tmp_path: Path, **settings: Any
) -> AsyncIterator[Harness]:
    """The real Application polling the fake server; settings override the defaults."""
    settings.setdefault("drain_timeout", 3.0)  # a test's stuck send ends it within 3 s
    config = Settings(
        _env_file=None,
        telegram_token="123456:TEST-TOKEN",  # type: ignore[call-arg]
        telegram_base_url=server.root,
        **settings,
    )
    clock = FakeClock()
    services = Services(
        library,
        config,
        Store(tmp_path / "bot.sqlite3"),
        clock=clock,
        llm=llm_from_settings(config),
    )
    app = build_application(config, services)
    errors: list[BaseException] = []

    async def record(update: object, context: Any) -> None:
        errors.append(context.error)

    app.add_error_handler(record)
    async with app:
        await post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield Harness(server.api, errors, services, clock, app)
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def bot(server: FakeServer, library: Library, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(server, library, tmp_path) as harness:
        yield harness
