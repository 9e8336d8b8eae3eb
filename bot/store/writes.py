"""Store writes that must never hold up an answer: their own threads and connections."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.store.database import DATABASE_ERRORS
from bot.store.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_QUEUED_RECORDS = 64  # question logs waiting on a locked database beyond this are dropped
CATCH_UP_SECONDS = 2.0  # a digest waits this long for questions just asked to be recorded
DROP_WARN_EVERY = 60.0  # seconds between warnings about dropped records


class _Worker:
    """One thread with its own connection, opened on first use."""

    def __init__(self, store: Store, name: str) -> None:
        self._main = store
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._store: Store | None = None

    def call(self, write: Callable[[Store], T]) -> T:
        if self._store is None:
            self._store = self._main.writer()
        return write(self._store)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        if self._store is not None:
            self._store.close()


class StoreWrites:
    """Writes off the event loop: settings on one thread, droppable records on another.

    The main connection stays free for reads on the event loop (SQLite holds a connection's
    mutex while it waits for a lock, so a shared one would stall every reader too). A chat's
    settings never queue behind question logs: with the database locked, /subscribe waits
    for its own write only, and logs past MAX_QUEUED_RECORDS are dropped, counted. On
    PostgreSQL the threads borrow connections from the main store's pool.
    """

    def __init__(self, store: Store) -> None:
        self._settings = _Worker(store, "store-writes")
        self._records = _Worker(store, "store-records")
        self._lock = threading.Lock()
        self._queued = 0
        self._dropped = 0
        self._warned: float | None = None

    async def run(self, write: Callable[[Store], T]) -> T:
        """Run a write in the worker and return its result; DATABASE_ERRORS reach the caller."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._settings.executor, self._settings.call, write)

    def submit(self, what: str, write: Callable[[Store], object]) -> None:
        """Fire and forget: a failure or a full queue costs this record, never the caller."""
        with self._lock:
            if self._queued >= MAX_QUEUED_RECORDS:
                self._dropped += 1
                self._warn_dropped(what)
                return
            self._queued += 1
        self._records.executor.submit(self._quietly, what, write)

    async def caught_up(self) -> None:
        """Wait, at most CATCH_UP_SECONDS, until the records queued so far are written."""
        done = asyncio.wrap_future(self._records.executor.submit(lambda: None))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done, CATCH_UP_SECONDS)

    def close(self) -> None:
        """Finish queued writes and close the connections."""
        self._settings.close()
        self._records.close()

    def _warn_dropped(self, what: str) -> None:
        now = time.monotonic()
        if self._warned is None or now - self._warned >= DROP_WARN_EVERY:
            self._warned = now
            log.warning(
                "%s not recorded: %d writes queued on a busy database (%d dropped so far)",
                what,
                MAX_QUEUED_RECORDS,
                self._dropped,
            )

    def _quietly(self, what: str, write: Callable[[Store], object]) -> None:
        try:
            self._records.call(write)
        except DATABASE_ERRORS as exc:
            log.warning("%s not recorded: %s", what, exc)
        finally:
            with self._lock:
                self._queued -= 1
