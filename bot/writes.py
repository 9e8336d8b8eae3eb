"""Store writes that must never hold up an answer: their own thread and SQLite connection."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from bot.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")


class StoreWrites:
    """One worker thread with its own connection: a locked or full database waits there.

    The main connection stays free for reads on the event loop (SQLite holds a connection's
    mutex while it waits for a lock, so a shared one would stall every reader too).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="store-writes")
        self._store: Store | None = None

    async def run(self, write: Callable[[Store], T]) -> T:
        """Run a write in the worker and return its result; sqlite3.Error reaches the caller."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, write)

    def submit(self, what: str, write: Callable[[Store], object]) -> None:
        """Fire and forget: a failure costs this record (logged), never the caller's time."""
        self._executor.submit(self._quietly, what, write)

    def close(self) -> None:
        """Finish queued writes and close the connection."""
        self._executor.shutdown(wait=True)
        if self._store is not None:
            self._store.close()

    def _call(self, write: Callable[[Store], T]) -> T:
        if self._store is None:
            self._store = Store(self.path)
        return write(self._store)

    def _quietly(self, what: str, write: Callable[[Store], object]) -> None:
        try:
            self._call(write)
        except sqlite3.Error as exc:
            log.warning("%s not recorded: %s", what, exc)
