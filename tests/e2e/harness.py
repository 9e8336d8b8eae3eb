"""What the end-to-end tests share: the bot in-process or as a `serve` process, and ways to wait.

Test modules import from here, never from each other (tests/unit/test_boundaries.py).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.endpoints.llm import llm_from_settings
from bot.state import Services
from bot.store.store import Store
from bot.telegram.app import build_application, post_init
from bot.telegram.schedule import job_name
from config.settings import Settings
from retrieval.library import Library
from tests.e2e.fake_bot_api import FakeBotApi, FakeServer

SECRET = "s3cret-Token_13"  # POLICYBOT_WEBHOOK_SECRET of the webhook bot processes
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


async def run_job(bot: Harness, chat_id: int) -> None:
    [job] = bot.app.job_queue.get_jobs_by_name(job_name(chat_id))
    await job.run(bot.app)


# A three-part digest, and a chat that replays one across restarts (serve processes).
PART_2 = "一、（二）"  # the heads of the keyword clauses, in parts 2 and 3
PART_3 = "一、（三）"


def three_part_policy(directory: Path) -> Path:
    """A policy whose digest (with 甲类事项 and 乙类事项 as keywords) needs three messages."""
    directory.mkdir()
    basics = "各地区各部门要坚持统筹推进，确保基础工作扎实有效开展。" * 110
    first = "各地区各部门要落实甲类事项的工作要求，确保甲类事项有序推进。" * 64
    second = "各地区各部门要落实乙类事项的工作要求，确保乙类事项有序推进。" * 64
    (directory / "分段推送测试通知.txt").write_text(
        f"关于测试推送分段的通知\n\n一、总体要求\n\n（一）基本原则。{basics}\n\n"
        f"（二）甲类事项。{first}\n\n（三）乙类事项。{second}\n",
        encoding="utf-8",
    )
    return directory


CHAT = 89


def sends(server: FakeServer, marker: str) -> int:
    calls = server.api.calls_of("sendMessage")
    return sum(marker in str(c.get("text", "")) and int(c["chat_id"]) == CHAT for c in calls)


def say(server: FakeServer, text: str, expect: str) -> None:
    before = len(server.api.sent(CHAT))
    server.api.send(server.api.private(CHAT), server.api.user(CHAT), text)
    wait_until(
        lambda: len(server.api.sent(CHAT)) > before and expect in server.api.sent(CHAT)[-1]["text"]
    )


def kill_during_part_1_then_restart(
    server: FakeServer, tmp_path: Path, first_env: dict[str, str], second_env: dict[str, str]
) -> None:
    """/digest of a three-part digest, SIGKILL while part 1 is in flight, then a second
    `serve` (the same deployment restarted, or another replica) until it says 已经发送过."""
    server.api.hold("sendMessage", "政策日报", 15)
    first = serve(server.root, TOKEN, tmp_path, **first_env)
    try:
        say(server, "/subscribe 00:00 甲类事项 乙类事项", "已订阅")
        server.api.send(server.api.private(CHAT), server.api.user(CHAT), "/digest")
        wait_until(lambda: server.api.held)
    finally:
        first.kill()  # SIGKILL while Telegram is still receiving part 1
        first.wait(timeout=20)
    server.api.holds.clear()
    second = serve(server.root, TOKEN, tmp_path, **second_env)
    try:
        wait_until(lambda: sends(server, PART_3), seconds=60)  # start-up catch-up resumes
        say(server, "/digest", "已经发送过")
    finally:
        second.terminate()
        second.wait(timeout=20)


def buttons(message: dict) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {
        b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
    }
