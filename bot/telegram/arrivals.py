"""When each update reached the bot, so an answer's latency includes its waits in the queue,
for a slot and for the database."""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar

from telegram import Update

KEEP = 10_000  # stamps of updates never processed (dropped) are forgotten beyond this
_stamps: dict[int, float] = {}
# Set while an update is processed: its handlers, in tasks of their own, inherit it.
ARRIVED: ContextVar[float | None] = ContextVar("arrived", default=None)


class StampingQueue(asyncio.Queue[object]):
    """The Application's update queue; notes the monotonic time each update is put in."""

    def put_nowait(self, item: object) -> None:
        if isinstance(item, Update):
            _stamps[item.update_id] = time.monotonic()
            if len(_stamps) > KEEP:
                del _stamps[next(iter(_stamps))]
        super().put_nowait(item)


def start_processing(update: object) -> None:
    """Make the update's arrival time the current one (for this task and those it starts)."""
    stamp = _stamps.pop(update.update_id, None) if isinstance(update, Update) else None
    ARRIVED.set(stamp)


def arrived() -> float:
    """The current update's arrival time; now when it came in some other way."""
    return ARRIVED.get() or time.monotonic()
