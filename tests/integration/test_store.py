"""The SQLite store on disk: migrations, subscriptions, at-most-once digests, logs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.store import MIGRATIONS, Store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DAY = date(2026, 11, 23)


def test_migrations_are_named_recorded_and_applied_once(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    first = Store(path)
    assert first.applied_migrations() == [name for name, _ in MIGRATIONS]
    first.close()
    again = Store(path)
    assert again.migrate() == []


def test_subscription_survives_reopening(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.subscribe(-100, time(7, 45), ("授权运营", "数据安全"), NOW)
    store.close()
    reopened = Store(tmp_path / "s.sqlite3").subscription(-100)
    assert reopened is not None
    assert (reopened.at, reopened.keywords, reopened.active) == (
        time(7, 45),
        ("授权运营", "数据安全"),
        True,
    )


def test_deactivating_keeps_the_subscription(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.subscribe(1, time(8, 30), (), NOW)
    assert store.deactivate(1, "forbidden", NOW)
    kept = store.subscription(1)
    assert kept is not None
    assert (kept.active, kept.inactive_reason) == (False, "forbidden")
    assert store.subscriptions() == []
    assert len(store.subscriptions(active_only=False)) == 1


def test_a_day_is_claimed_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    assert store.claim_digest(1, DAY, NOW)
    assert not store.claim_digest(1, DAY, NOW)
    assert store.claim_digest(1, DAY + timedelta(days=1), NOW)
    assert store.digest_status(1, DAY) == "sending"
    store.finish_digest(1, DAY, NOW, "sent")
    assert store.digest_status(1, DAY) == "sent"
    assert store.last_digest_at(1) == NOW


def test_questions_since_the_last_digest(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.log_question(1, "旧问题", ["（一）"], NOW - timedelta(days=2))
    store.log_question(1, "新问题", ["（二）"], NOW)
    store.log_question(2, "别的群", [], NOW)
    found = store.questions_since(1, NOW - timedelta(days=1))
    assert [(q.question, q.sections) for q in found] == [("新问题", ("（二）",))]


def test_documents_added_and_changed(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.sync_documents({"a": ("甲", "h1")}, NOW)
    later = NOW + timedelta(days=1)
    store.sync_documents({"a": ("甲", "h2"), "b": ("乙", "h3")}, later)
    assert store.documents_changed_since(NOW) == [("a", "甲", False), ("b", "乙", True)]
    store.sync_documents({"a": ("甲", "h2"), "b": ("乙", "h3")}, later + timedelta(days=1))
    assert store.documents_changed_since(later) == []
