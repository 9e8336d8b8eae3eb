"""Limits that keep one busy chat from holding up the others.

`ChatRateLimiter` keeps Telegram's flood limits and waits out a 429 only in the chat it names,
`FairShare` hands the overall 30 messages a second to the chat that has sent least lately, and
`FairUpdateProcessor` lets each chat use only a few of the concurrent-update slots.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
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
SLOT_RESERVE = 8  # of the concurrent-update slots, kept for chats that started none lately
DRAIN_SECONDS = 10.0  # at stop, how long taken updates may finish (POLICYBOT_DRAIN_TIMEOUT)
# How long a chat's sends count against its turn: long enough to span a group's burst of replies,
# short enough that a chat quiet for a minute is served as a newcomer.
SHARE_MEMORY = 10.0


def _seconds(exc: RetryAfter) -> float:
    # An int in PTB 22, a timedelta later.
    value: Any = exc._retry_after  # the public property warns about this very change
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ChatRateLimiter(BaseRateLimiter[int]):
    """30 messages a second overall, 20 a minute per group; a 429 holds back only its chat."""

    def __init__(self, max_retries: int = 3) -> None:
        self.max_retries = max_retries
        self._overall = FairShare(FloodLimit.MESSAGES_PER_SECOND)
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
        if _is_group(chat):
            async with self._group(chat):
                await self._overall.turn(chat)
                return await callback(*args, **kwargs)
        await self._overall.turn(chat)
        return await callback(*args, **kwargs)

    def _group(self, chat: int | str) -> AsyncLimiter:
        if chat not in self._groups:
            if len(self._groups) > 512:  # forget groups whose budget is whole again
                for key, idle in list(self._groups.items()):
                    if idle.has_capacity(idle.max_rate):
                        del self._groups[key]
            self._groups[chat] = AsyncLimiter(FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP, 60)
        return self._groups[chat]


class Recent:
    """How much each chat did lately: a count whose every unit fades by e in `memory` seconds."""

    def __init__(self, memory: float = SHARE_MEMORY, keep: int = 1024) -> None:
        self.memory = memory
        self.keep = keep
        self._counts: dict[int | str | None, tuple[float, float]] = {}  # chat → (count, when)

    def __call__(self, chat: int | str | None, now: float) -> float:
        count, when = self._counts.get(chat, (0.0, now))
        return count * math.exp((when - now) / self.memory)

    def add(self, chat: int | str | None, now: float) -> None:
        """Count one more for the chat."""
        self._counts[chat] = (self(chat, now) + 1, now)
        if len(self._counts) > self.keep:  # forget chats whose counts have faded away
            for key in [k for k in self._counts if self(k, now) < 0.01]:
                del self._counts[key]


class FairShare:
    """`rate` messages a second overall (bursts of `rate`, as Telegram allows), each free one
    going to the waiting chat that has sent least lately, a private chat before a group on a tie.

    A plain first-come queue let forty flooding groups' replies hold a private answer back for
    seconds; here a chat outside the flood is next whenever it asks, and the flood still gets
    every turn the others leave: nothing is dropped, and no turn stays unused while one waits.
    """

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._level = 0.0  # messages in the bucket, leaking `rate` a second
        self._leaked_at = 0.0
        self._waiting: dict[int | str, deque[asyncio.Future[None]]] = {}
        self._sent = Recent()
        self._pump: asyncio.Task[None] | None = None

    async def turn(self, chat: int | str) -> None:
        """Wait until this chat may send one message."""
        loop = asyncio.get_running_loop()
        if not self._waiting and self._room(loop.time()):
            self._spend(chat, loop.time())
            return
        ticket: asyncio.Future[None] = loop.create_future()
        self._waiting.setdefault(chat, deque()).append(ticket)
        if self._pump is None or self._pump.done() or self._pump.get_loop() is not loop:
            self._pump = loop.create_task(self._hand_out())
        try:
            await ticket
        except asyncio.CancelledError:
            queue = self._waiting.get(chat)
            if queue is not None and ticket in queue:
                queue.remove(ticket)
                if not queue:
                    del self._waiting[chat]
            raise

    async def _hand_out(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            now = loop.time()
            if not self._room(now):
                await asyncio.sleep((self._level + 1 - self.rate) / self.rate)
                continue
            # Dicts keep insertion order: on a tie, the chat waiting longest.
            chat = min(self._waiting, key=lambda c: self._rank(c, now))
            queue = self._waiting[chat]
            ticket = queue.popleft()
            if not queue:
                del self._waiting[chat]
            self._spend(chat, now)
            ticket.set_result(None)

    def _rank(self, chat: int | str, now: float) -> tuple[float, bool]:
        return self._sent(chat, now), _is_group(chat)

    def _room(self, now: float) -> bool:
        self._level = max(0.0, self._level - (now - self._leaked_at) * self.rate)
        self._leaked_at = now
        return self._level + 1 <= self.rate

    def _spend(self, chat: int | str, now: float) -> None:
        self._level += 1
        self._sent.add(chat, now)


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


def _is_group(chat: int | str) -> bool:
    """Groups, supergroups and channels (negative ids, or @channelusername)."""
    return isinstance(chat, str) or chat < 0


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    try:
        return int(str(chat_id))
    except ValueError:
        return str(chat_id)  # @channelusername


class FairUpdateProcessor(BaseUpdateProcessor):
    """Concurrent updates, at most `per_chat` of them from one chat at a time.

    A flooding chat's updates wait for their own chat's turn without taking a slot. Forty
    flooding groups still fill the slots (their replies wait there for a turn to be sent), so
    a chat that started no update lately may take the last `SLOT_RESERVE` free slots, and a
    freed slot goes to the waiting chat that started fewest lately, not to the longest queue.
    `close` ends the work at stop instead of waiting for it.
    """

    def __init__(self, max_concurrent_updates: int, per_chat: int = PER_CHAT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self.per_chat = per_chat
        self._chats: dict[int, tuple[asyncio.Semaphore, int]] = {}
        self._free = max_concurrent_updates  # slots nobody holds or has been handed
        self._started = Recent()  # updates each chat started lately
        self._slot_queue: dict[int | None, deque[asyncio.Future[None]]] = {}
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
            await self._in_turn(key, update, coroutine)
            return
        gate, users = self._chats.get(key) or (asyncio.Semaphore(self.per_chat), 0)
        self._chats[key] = (gate, users + 1)
        try:
            async with gate:
                await self._in_turn(key, update, coroutine)
        finally:
            gate, users = self._chats[key]
            if users == 1:
                del self._chats[key]
            else:
                self._chats[key] = (gate, users - 1)

    async def _in_turn(self, key: int | None, update: object, coroutine: Awaitable[Any]) -> None:
        await self._take_slot(key)
        self._started.add(key, asyncio.get_running_loop().time())
        try:
            # PTB's own semaphore never waits here (we hand out no more slots than it has);
            # it keeps current_concurrent_updates true.
            await super().process_update(update, coroutine)
        finally:
            self._give_slot()

    async def _take_slot(self, key: int | None) -> None:
        if self._may_enter(key) and (not self._slot_queue or self._newcomer(key)):
            self._free -= 1
            return
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._slot_queue.setdefault(key, deque()).append(ticket)
        try:
            await ticket
        except asyncio.CancelledError:
            if ticket.done() and not ticket.cancelled():
                self._give_slot()  # handed over just as it was cancelled: pass it on
            else:
                queue = self._slot_queue[key]
                queue.remove(ticket)
                if not queue:
                    del self._slot_queue[key]
            raise

    def _give_slot(self) -> None:
        self._free += 1
        now = asyncio.get_running_loop().time()
        while self._slot_queue:
            # The chat that started fewest updates lately; on a tie (dicts keep insertion
            # order) the one waiting longest.
            key = min(self._slot_queue, key=lambda k: self._started(k, now))
            if not self._may_enter(key):
                return  # the one with the best claim may not: nobody waiting may
            queue = self._slot_queue[key]
            ticket = queue.popleft()
            if not queue:
                del self._slot_queue[key]
            self._free -= 1
            ticket.set_result(None)

    def _newcomer(self, key: int | None) -> bool:
        # Not one whole update started within the recent past: not part of a flood.
        return self._started(key, asyncio.get_running_loop().time()) < 1

    def _may_enter(self, key: int | None) -> bool:
        # The last few free slots are for newcomers: a private question starts at once even
        # while every other slot holds a group reply waiting for its turn to be sent.
        reserve = 0 if self._newcomer(key) else min(SLOT_RESERVE, self.max_concurrent_updates - 1)
        return self._free > reserve

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
