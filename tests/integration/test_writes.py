"""Settings writes never wait behind question logs; logs on a stuck database are dropped."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.store.database import DATABASE_ERRORS
from bot.store.store import Store
from bot.store.writes import MAX_QUEUED_RECORDS, StoreWrites

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Attempts:
    """Counts how many queued record writes have started."""

    def __init__(self) -> None:
        self.started = 0
        self._lock = threading.Lock()

    def write(self, store: Store) -> None:
        with self._lock:
            self.started += 1
        store.set_summaries(7, True)


async def test_a_settings_write_does_not_queue_behind_logs(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store(path)
    writes = StoreWrites(store)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    attempts = Attempts()
    for _ in range(12):
        writes.submit("question log", attempts.write)
    with pytest.raises(DATABASE_ERRORS):
        await writes.run(lambda s: s.subscribe(1, time(8, 30), (), NOW))
    # Each log write waits out the busy timeout in turn: only the first few have started.
    assert attempts.started <= 2
    holder.execute("ROLLBACK")
    holder.close()
    writes.close()  # the rest land once the lock is gone
    assert store.summaries_enabled(7) is True
    store.close()


async def test_records_beyond_the_queue_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store(path)
    writes = StoreWrites(store)
    gate = threading.Event()
    attempts = Attempts()
    writes.submit("blocker", lambda _: gate.wait(30))
    for _ in range(MAX_QUEUED_RECORDS + 10):
        writes.submit("question log", attempts.write)
    gate.set()
    writes.close()
    assert attempts.started == MAX_QUEUED_RECORDS - 1
    store.close()
