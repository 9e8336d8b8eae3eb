"""The two engines under the store: an SQLite file (default) or PostgreSQL by URL.

The store writes its SQL once (qmark parameters, `ON CONFLICT`, ISO-8601 text for times); an
engine hands out connections that speak it, one transaction per write, and runs the
migrations under a lock so that two processes starting together apply each one once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol


class StoreError(Exception):
    """A PostgreSQL failure (unreachable, pool exhausted, serialization…), as the store's own."""


# What callers catch around store calls: a locked or full SQLite file, or an unusable server.
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, StoreError)


class Sql:
    """A connection of either engine that speaks the store's SQL (qmark parameters)."""

    def __init__(self, raw: Any, postgres: bool) -> None:
        self._raw = raw
        self._postgres = postgres

    def execute(self, sql: str, params: Sequence[object] = ()) -> Any:
        """Run one statement; returns a DB-API cursor (fetchone, fetchall, rowcount)."""
        return self._raw.execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        """Run one statement for each row of parameters."""
        if not rows:
            return
        if self._postgres:
            with self._raw.cursor() as cursor:
                cursor.executemany(self._sql(sql), [tuple(r) for r in rows])
        else:
            self._raw.executemany(sql, rows)

    def _sql(self, sql: str) -> str:
        # The store's SQL has no literal "?" or "%": the swap to psycopg's style is safe.
        return sql.replace("?", "%s") if self._postgres else sql


class Engine(Protocol):
    """Connections, transactions, the migration lock and digest holds of one database."""

    postgres: bool
    path: Path | None

    def read(self) -> AbstractContextManager[Sql]: ...
    def transaction(self) -> AbstractContextManager[Sql]: ...
    def migrating(self) -> AbstractContextManager[Sql]: ...
    def ddl(self, sql: str) -> str: ...
    def hold(self, name: str) -> bool: ...
    def release(self, name: str) -> None: ...
    def shared(self) -> Engine: ...
    def ping(self, wait: float) -> None: ...
    def close(self) -> None: ...


BUSY_TIMEOUT = 5.0  # seconds a statement waits for another process's write lock (SQLite's own)


class SqliteEngine:
    """One SQLite file and one connection, shared by threads: one writer at a time."""

    postgres = False
    # Digest holds of every store in this process, by file: SQLite serves one process.
    _held: set[tuple[str, str]] = set()
    _held_lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path: Path | None = path
        self._key = str(path.resolve())
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        _use_wal(self._db)
        self._db.execute("PRAGMA synchronous=FULL")
        self._mine: set[str] = set()

    @contextmanager
    def read(self) -> Iterator[Sql]:
        yield Sql(self._db, postgres=False)

    @contextmanager
    def transaction(self) -> Iterator[Sql]:
        # BEGIN IMMEDIATE takes the write lock up front: no upgrade deadlock between writers.
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Sql(self._db, postgres=False)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def migrating(self) -> AbstractContextManager[Sql]:
        # The write lock is the migration lock: a second process waits, then finds them done.
        return self.transaction()

    def ddl(self, sql: str) -> str:
        return sql

    def hold(self, name: str) -> bool:
        with self._held_lock:
            if (self._key, name) in self._held:
                return False
            self._held.add((self._key, name))
            self._mine.add(name)
            return True

    def release(self, name: str) -> None:
        with self._held_lock:
            if name in self._mine:
                self._mine.discard(name)
                self._held.discard((self._key, name))

    def shared(self) -> Engine:
        # A writer thread gets its own connection: a locked file then waits there alone.
        return SqliteEngine(self._path())

    def ping(self, wait: float) -> None:
        # Reads the schema: a file overwritten with garbage fails here, unlike SELECT 1.
        with self.read() as db:
            db.execute("SELECT count(*) FROM sqlite_master")

    def close(self) -> None:
        for name in list(self._mine):
            self.release(name)
        self._db.close()

    def _path(self) -> Path:
        assert self.path is not None
        return self.path


def _use_wal(db: sqlite3.Connection, attempts: int = 100) -> None:
    """Switch to WAL, waiting for another connection that is switching a new file right now.

    SQLite answers that race with SQLITE_BUSY at once, without its busy timeout."""
    for attempt in range(attempts):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)
