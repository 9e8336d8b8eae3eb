"""Which engine a database setting names: an SQLite file by path, PostgreSQL by URL.

Above both engines (store/database.py, store/postgres.py), so neither imports the other's chooser.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.database import Engine, SqliteEngine


def open_engine(target: Path | str) -> Engine:
    """An SQLite file for a path, a PostgreSQL pool for a postgresql:// URL."""
    if isinstance(target, str) and is_postgres_url(target):
        from bot.store.postgres import PostgresEngine  # psycopg loads only when it is used

        return PostgresEngine(target)
    return SqliteEngine(Path(target))


def is_postgres_url(value: str) -> bool:
    """Whether a POLICYBOT_DATABASE_URL names a PostgreSQL server."""
    return value.startswith(("postgresql://", "postgres://"))
