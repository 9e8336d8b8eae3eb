"""What start-up checks before any work: readable corpus, writable data dir, a sound store."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from config.settings import Settings, SettingsError
from retrieval.listing import corpus_files

if TYPE_CHECKING:
    from bot.store.store import Store

log = logging.getLogger("policybot.store")
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
SQLITE_FILE = "policybot.sqlite3"


def database_target(settings: Settings) -> Path | str:
    """POLICYBOT_DATABASE_URL as a file path or a postgresql:// URL (default: the data dir)."""
    from bot.store.engines import is_postgres_url

    url = settings.database_url.strip()
    if not url:
        return settings.data_dir / SQLITE_FILE
    if is_postgres_url(url):
        return url
    if "://" in url:
        raise SettingsError(
            "配置错误：POLICYBOT_DATABASE_URL — 应为 SQLite 文件路径或 postgresql:// 地址，"
            f"收到 {url.split('://')[0]}://…"
        )
    return Path(url).expanduser()


def open_database(settings: Settings) -> Store:
    """The configured store: a sound SQLite file, or PostgreSQL (unreachable: one line)."""
    from bot.store.database import StoreError
    from bot.store.store import Store

    target = database_target(settings)
    if isinstance(target, Path):
        return open_sound_store(target)
    try:
        return Store(target)
    except StoreError as exc:  # the message names the host, never the password
        raise SettingsError(
            f"配置错误：POLICYBOT_DATABASE_URL — 无法使用 PostgreSQL 数据库：{exc}"
        ) from None


def check_directories(settings: Settings) -> None:
    """Raise SettingsError (one line naming the setting) for an unusable corpus or data dir.

    A POLICYBOT_DATABASE_URL of an unknown kind is refused here too, before any work.
    """
    database_target(settings)
    try:
        corpus_files(settings.corpus_dir)
    except OSError as exc:
        raise SettingsError(
            f"配置错误：POLICYBOT_CORPUS_DIR — 无法读取目录 {settings.corpus_dir}："
            f"{exc.strerror or exc}"
        ) from None
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=settings.data_dir):
            pass
    except OSError as exc:
        raise SettingsError(
            f"配置错误：POLICYBOT_DATA_DIR — 无法写入目录 {settings.data_dir}："
            f"{exc.strerror or exc}"
        ) from None


def corrupt(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite itself says the file is damaged, not the disk full, read-only or busy."""
    return exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def unusable(path: Path, exc: OSError | sqlite3.DatabaseError | str) -> SettingsError:
    """One line for a database that cannot be used now; the file is left as it is."""
    return SettingsError(f"数据库无法使用：{path}：{exc}（文件未改动；请检查磁盘空间与权限）")


def sound(path: Path) -> bool:
    """Whether an SQLite file is missing (to be created) or passes quick_check.

    Only damage SQLite reports counts as unsound; any other failure raises SettingsError.
    """
    if path.is_dir():
        raise unusable(path, "这是一个目录")
    if not path.exists():
        return True
    try:
        with closing(sqlite3.connect(path)) as db:
            return bool(db.execute("PRAGMA quick_check").fetchone()[0] == "ok")
    except sqlite3.DatabaseError as exc:
        if corrupt(exc):
            return False
        raise unusable(path, exc) from None


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its WAL files) with a timestamp; the name it got."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.replace(aside)
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(aside.with_name(aside.name + suffix))
    return aside


def open_sound_store(path: Path) -> Store:
    """The store at `path`; a corrupt file is kept aside, logged once, and a new one started."""
    from bot.store.store import Store

    if not sound(path):
        aside = move_aside(path)
        log.warning(
            "database damaged: moved %s to %s and started an empty one "
            "(subscriptions and history are in the old file)",
            path,
            aside,
        )
    try:
        return Store(path)
    except sqlite3.DatabaseError as exc:  # damage quick_check did not see: same remedy, once
        if not corrupt(exc):  # a full disk or a read-only file: stop, touch nothing
            raise unusable(path, exc) from None
        aside = move_aside(path)
        log.warning("database damaged (%s): moved %s to %s", exc, path, aside)
        return Store(path)
