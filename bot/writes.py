"""Store writes that must never hold up an answer: their own thread and connection."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.database import DATABASE_ERRORS
from bot.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")


class StoreWrites:
    """One worker thread with its own connection: a locked or full database waits there.

    The main connection stays free for reads on the event loop (SQLite holds a connection's
    mutex while it waits for a lock, so a shared one would stall every reader too). On
    PostgreSQL the thread borrows connections from the main store's pool.
    """

    def __init__(self, store: Store) -> None:
        self._main = store
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="store-writes")
        self._store: Store | None = None

    async def run(self, write: Callable[[Store], T]) -> T:
        """Run a write in the worker and return its result; DATABASE_ERRORS reach the caller."""
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
            self._store = self._main.writer()
        return write(self._store)

    def _quietly(self, what: str, write: Callable[[Store], object]) -> None:
        try:
            self._call(write)
        except DATABASE_ERRORS as exc:
            log.warning("%s not recorded: %s", what, exc)
