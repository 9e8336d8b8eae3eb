"""POLICYBOT_DATABASE_URL: an SQLite path (default: the data dir's file) or PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.store.writes import StoreWrites
from bot.upkeep.startup import SQLITE_FILE, database_target, open_database
from config.settings import BUNDLED_CORPUS, Settings, SettingsError

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def settings(tmp_path: Path, url: str = "") -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", database_url=url)  # type: ignore[call-arg]


def digest_cli(tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    """`policybot digest` (which opens the store) configured only by environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_CORPUS_DIR=str(BUNDLED_CORPUS),
        POLICYBOT_DATABASE_URL=url,
    )
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "digest", "--chat", "42", "--date", "2026-12-01"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_by_default_the_store_is_the_data_dirs_sqlite_file(tmp_path: Path) -> None:
    assert database_target(settings(tmp_path)) == tmp_path / "data" / SQLITE_FILE


def test_an_sqlite_path_puts_the_store_there(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "bot.db"
    store = open_database(settings(tmp_path, str(elsewhere)))
    store.subscribe(1, time(8, 30), (), NOW)
    store.close()
    with sqlite3.connect(elsewhere) as db:
        assert db.execute("SELECT chat_id FROM subscriptions").fetchall() == [(1,)]
    assert not (tmp_path / "data" / SQLITE_FILE).exists()


def test_a_corrupt_file_at_the_configured_path_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    store = open_database(settings(tmp_path, str(path)))
    assert store.ping()
    store.close()
    assert len(list(tmp_path.glob("bot.db.corrupt-*"))) == 1


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_postgresql_url_opens_the_server(tmp_path: Path, database: str) -> None:
    store = open_database(settings(tmp_path, database))
    try:
        assert store.postgres
        assert store.path is None
        store.subscribe(1, time(8, 30), ("数据",), NOW)
        assert [s.chat_id for s in store.subscriptions()] == [1]
    finally:
        store.close()
    assert not (tmp_path / "data" / SQLITE_FILE).exists()


def test_another_kind_of_url_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="POLICYBOT_DATABASE_URL") as refused:
        database_target(settings(tmp_path, "mysql://root:secret@db/bot"))
    assert "secret" not in str(refused.value)
    done = digest_cli(tmp_path, "mysql://root:secret@db/bot")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "POLICYBOT_DATABASE_URL" in done.stderr


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    done = digest_cli(tmp_path, "postgresql://bot:s3cret@127.0.0.1:1/policybot")
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "POLICYBOT_DATABASE_URL" in done.stderr
    assert "s3cret" not in done.stderr
    assert "Traceback" not in done.stderr


async def test_writes_off_the_event_loop_reach_the_same_database(database: Path | str) -> None:
    store = open_database(settings(Path("."), str(database)))
    writes = StoreWrites(store)
    try:
        await writes.run(lambda s: s.subscribe(7, time(9, 0), (), NOW))
        writes.submit("question", lambda s: s.log_question(7, "问", [], NOW))
    finally:
        writes.close()  # finishes the queued write
    try:
        assert store.subscription(7) is not None
        assert [q.question for q in store.questions_since(7, None)] == ["问"]
    finally:
        store.close()
