"""Limits that keep one busy chat from holding up the others.

`ChatRateLimiter` keeps Telegram's flood limits and waits out a 429 only in the chat it names, and
`FairUpdateProcessor` lets each chat use only a few of the concurrent-update slots.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Update
from telegram.constants import FloodLimit
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import BaseRateLimiter, BaseUpdateProcessor

from bot import metrics
from bot.telegram.arrivals import start_processing

log = logging.getLogger(__name__)
PER_CHAT_UPDATES = 4  # a group's replies queue behind 20 a minute anyway; more slots buy nothing
DRAIN_SECONDS = 10.0  # at stop, how long taken updates may finish (POLICYBOT_DRAIN_TIMEOUT)


def _seconds(exc: RetryAfter) -> float:
    # An int in PTB 22, a timedelta later.
    value: Any = exc._retry_after  # the public property warns about this very change
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ChatRateLimiter(BaseRateLimiter[int]):
    """30 messages a second overall, 20 a minute per group; a 429 holds back only its chat."""

    def __init__(self, max_retries: int = 3) -> None:
        self.max_retries = max_retries
        self._overall = AsyncLimiter(FloodLimit.MESSAGES_PER_SECOND, 1)
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._until: dict[int | str, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send within the limits; on 429 wait in this chat only, then retry."""
        chat = _chat_key(data.get("chat_id"))
        retries = rate_limit_args or self.max_retries
        for attempt in range(retries + 1):
            await self._wait_out(chat)
            try:
                return await self._limited(chat, callback, args, kwargs)
            except TelegramError as exc:
                metrics.TELEGRAM_ERRORS.labels(error_code(exc)).inc()
                if not isinstance(exc, RetryAfter):
                    raise
                if attempt == retries:
                    raise
                seconds = _seconds(exc) + 0.1
                if chat is None:
                    # An inline answer or a button answer (no chat): only this request waits,
                    # not every other user's results and presses.
                    log.info("429 on %s: waiting %.1f s for this one only", endpoint, seconds)
                    await asyncio.sleep(seconds)
                    continue
                log.info("429 in chat %s: waiting %.1f s there, other chats go on", chat, seconds)
                loop = asyncio.get_running_loop()
                self._until[chat] = max(self._until.get(chat, 0.0), loop.time() + seconds)
        raise AssertionError("unreachable")

    async def _wait_out(self, chat: int | str | None) -> None:
        until = None if chat is None else self._until.get(chat)
        if until is not None:
            await asyncio.sleep(max(0.0, until - asyncio.get_running_loop().time()))

    async def _limited(
        self,
        chat: int | str | None,
        callback: Callable[..., Awaitable[bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if chat is None:  # getUpdates, answerCallbackQuery…: not counted by Telegram per chat
            return await callback(*args, **kwargs)
        if isinstance(chat, str) or chat < 0:  # groups, supergroups and channels
            async with self._group(chat), self._overall:
                return await callback(*args, **kwargs)
        async with self._overall:
            return await callback(*args, **kwargs)

    def _group(self, chat: int | str) -> AsyncLimiter:
        if chat not in self._groups:
            if len(self._groups) > 512:  # forget groups whose budget is whole again
                for key, idle in list(self._groups.items()):
                    if idle.has_capacity(idle.max_rate):
                        del self._groups[key]
            self._groups[chat] = AsyncLimiter(FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP, 60)
        return self._groups[chat]


def error_code(exc: TelegramError) -> str:
    """The Bot API error code PTB turned into this exception (its class), for the metric."""
    for kind, code in (
        (RetryAfter, "429"),
        (InvalidToken, "401"),
        (Forbidden, "403"),
        (Conflict, "409"),
        (BadRequest, "400"),
        (TimedOut, "timeout"),  # before NetworkError, of which it is one
    ):
        if isinstance(exc, kind):
            return code
    return "network" if type(exc).__name__ == "NetworkError" else "other"


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    try:
        return int(str(chat_id))
    except ValueError:
        return str(chat_id)  # @channelusername


class FairUpdateProcessor(BaseUpdateProcessor):
    """Concurrent updates, at most `per_chat` of them from one chat at a time.

    A flooding chat's updates wait for their own chat's turn without taking a slot, so the
    other chats always find one. `close` ends the work at stop instead of waiting for it.
    """

    def __init__(self, max_concurrent_updates: int, per_chat: int = PER_CHAT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self.per_chat = per_chat
        self._chats: dict[int, tuple[asyncio.Semaphore, int]] = {}
        self._running: set[asyncio.Future[Any]] = set()
        self._closing = False
        self.dropped = 0  # updates taken and never handled (past the drain timeout)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    # PTB marks process_update final and wants do_process_update overridden, but that runs
    # inside the slot: a flooding chat's waiting updates would hold every slot.
    async def process_update(  # type: ignore[misc]
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        """Wait for the chat's turn, then for a slot, then process."""
        start_processing(update)  # before the waits: they are part of the answer's time
        key = _update_key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        gate, users = self._chats.get(key) or (asyncio.Semaphore(self.per_chat), 0)
        self._chats[key] = (gate, users + 1)
        try:
            async with gate:
                await super().process_update(update, coroutine)
        finally:
            gate, users = self._chats[key]
            if users == 1:
                del self._chats[key]
            else:
                self._chats[key] = (gate, users - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers as a task `close` can cancel."""
        if self._closing:
            getattr(coroutine, "close", lambda: None)()
            self._drop(update, "dropped")
            return
        task = asyncio.ensure_future(coroutine)
        self._running.add(task)
        try:
            await asyncio.wait({task})
        finally:
            self._running.discard(task)
        if task.cancelled():
            self._drop(update, "cancelled")
            return
        task.result()

    async def close(self, drain: float = DRAIN_SECONDS) -> None:
        """At stop, run beside PTB's own (which handles every update already taken): after
        `drain` seconds, cancel what is still in progress and drop what has not started.

        Cancelled by the caller when the drain ends in time."""
        await asyncio.sleep(drain)
        self._closing = True
        running = set(self._running)
        if running:
            log.warning(
                "stopping: drain timeout (%g s) reached, cancelling %d updates in progress",
                drain,
                len(running),
            )
            for task in running:
                task.cancel()
            await asyncio.wait(running)

    def _drop(self, update: object, how: str) -> None:
        # Telegram got its 200 (or its getUpdates confirmation) and will not send it again.
        self.dropped += 1
        metrics.UPDATES_DROPPED.inc()
        log.debug("stopping: update %s %s", getattr(update, "update_id", "?"), how)


def _update_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
