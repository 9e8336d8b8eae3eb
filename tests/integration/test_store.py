"""The store on both engines (an SQLite file, PostgreSQL): migrations, subscriptions,
at-most-once digests and their parts, logs, corpus changes, chat settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import get_args

import pytest

from bot.store.store import MIGRATIONS, DigestEnd, DigestPart, Store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DAY = date(2026, 11, 23)
SUPERGROUP = -1001234567890  # Telegram's group ids need more than 32 bits

OpenStore = Callable[[], Store]


def test_migrations_are_named_recorded_and_applied_once(open_store: OpenStore) -> None:
    first = open_store()
    assert first.applied_migrations() == [name for name, _ in MIGRATIONS]
    assert first.migrated_now == [name for name, _ in MIGRATIONS]
    again = open_store()
    assert again.migrated_now == []
    assert again.migrate() == []


def test_the_database_answers_a_ping(open_store: OpenStore) -> None:
    assert open_store().ping()


def test_subscription_survives_reopening(open_store: OpenStore) -> None:
    store = open_store()
    store.subscribe(SUPERGROUP, time(7, 45), ("授权运营", "数据安全"), NOW)
    store.close()
    reopened = open_store().subscription(SUPERGROUP)
    assert reopened is not None
    assert (reopened.at, reopened.keywords, reopened.active) == (
        time(7, 45),
        ("授权运营", "数据安全"),
        True,
    )


def test_subscribing_again_updates_and_reactivates(open_store: OpenStore) -> None:
    store = open_store()
    store.subscribe(1, time(8, 30), (), NOW)
    store.deactivate(1, "unsubscribed", NOW)
    store.subscribe(1, time(9, 0), ("数据",), NOW + timedelta(hours=1))
    again = store.subscription(1)
    assert again is not None
    assert (again.at, again.keywords, again.active, again.inactive_reason) == (
        time(9, 0),
        ("数据",),
        True,
        None,
    )


def test_deactivating_keeps_the_subscription(open_store: OpenStore) -> None:
    store = open_store()
    store.subscribe(1, time(8, 30), (), NOW)
    assert store.deactivate(1, "forbidden", NOW)
    assert not store.deactivate(1, "forbidden", NOW)
    kept = store.subscription(1)
    assert kept is not None
    assert (kept.active, kept.inactive_reason) == (False, "forbidden")
    assert store.subscriptions() == []
    assert len(store.subscriptions(active_only=False)) == 1


def test_a_day_is_claimed_once(open_store: OpenStore) -> None:
    store = open_store()
    assert store.claim_digest(1, DAY, NOW)
    assert not store.claim_digest(1, DAY, NOW)
    assert store.claim_digest(1, DAY + timedelta(days=1), NOW)
    assert store.digest_status(1, DAY) == "sending"
    assert store.digest_status(2, DAY) is None
    store.finish_digest(1, DAY, NOW, "sent")
    assert store.digest_status(1, DAY) == "sent"
    assert store.last_digest_at(1) == NOW


def test_digest_parts_are_kept_first_rendering_wins(open_store: OpenStore) -> None:
    store = open_store()
    store.save_digest_parts(
        SUPERGROUP, DAY, [DigestPart("一", ("甲", 3), ("甲|一",)), DigestPart("二")]
    )
    store.save_digest_parts(SUPERGROUP, DAY, [DigestPart("别的")])
    parts = store.digest_parts(SUPERGROUP, DAY)
    assert [(p.number, p.text, p.cursor, p.clause_keys, p.state) for p in parts] == [
        (0, "一", ("甲", 3), ("甲|一",), "pending"),
        (1, "二", None, (), "pending"),
    ]
    assert store.digest_parts(SUPERGROUP, DAY + timedelta(days=1)) == []


def test_a_digest_part_comes_back_as_it_was_kept(open_store: OpenStore) -> None:
    parts = [
        DigestPart("<b>每日政策简报 2026-11-23</b>\n\n<b>今日条款</b>", ("digital_gov", 0)),
        DigestPart("<blockquote>数据 &amp; 安全</blockquote>", None, ("a|（一）", "b|第三条")),
        DigestPart(""),
    ]
    open_store().save_digest_parts(SUPERGROUP, DAY, parts)
    kept = open_store().digest_parts(SUPERGROUP, DAY)  # another connection: from the database
    assert [p.part for p in kept] == parts
    assert [(p.number, p.state) for p in kept] == [(0, "pending"), (1, "pending"), (2, "pending")]


@pytest.mark.parametrize("status", get_args(DigestEnd))
def test_how_a_digest_ended_reads_back_as_written(
    open_store: OpenStore, status: DigestEnd
) -> None:
    store = open_store()
    assert store.claim_digest(1, DAY, NOW)
    store.finish_digest(1, DAY, NOW, status)
    assert open_store().digest_status(1, DAY) == status


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_status_no_method_writes_is_refused_when_read(
    open_store: OpenStore, database: Path
) -> None:
    store = open_store()
    assert store.claim_digest(1, DAY, NOW)
    with sqlite3.connect(database) as db:
        db.execute("UPDATE digests SET status = 'lost'")
    db.close()
    with pytest.raises(ValueError, match="lost"):
        store.digest_status(1, DAY)


def test_a_sent_part_moves_the_plan_and_logs_its_clauses(open_store: OpenStore) -> None:
    store = open_store()
    store.save_digest_parts(
        1, DAY, [DigestPart("一", ("甲", 3), ("甲|一", "甲|二")), DigestPart("二")]
    )
    first, second = store.digest_parts(1, DAY)
    store.mark_part(1, DAY, first.number, "sending")
    assert store.digest_parts(1, DAY)[0].state == "sending"
    store.part_sent(1, DAY, first, NOW)
    assert [p.state for p in store.digest_parts(1, DAY)] == ["sent", "pending"]
    assert store.cursor(1) == ("甲", 3)
    assert store.sent_keys(1) == {"甲|一", "甲|二"}
    store.part_sent(1, DAY, second, NOW)  # no cursor, no clauses: the plan stays
    assert store.cursor(1) == ("甲", 3)


def test_recording_a_sent_digest_twice_logs_each_clause_once(open_store: OpenStore) -> None:
    store = open_store()
    store.record_sent(1, DAY, ("甲", 1), ["甲|一"])
    store.record_sent(1, DAY, ("甲", 2), ["甲|一", "甲|二"])
    assert store.cursor(1) == ("甲", 2)
    assert store.sent_keys(1) == {"甲|一", "甲|二"}
    assert store.sent_keys(2) == set()


def test_questions_since_the_last_digest(open_store: OpenStore) -> None:
    store = open_store()
    store.log_question(1, "旧问题", ["（一）"], NOW - timedelta(days=2))
    store.log_question(1, "新问题", ["（二）"], NOW)
    store.log_question(2, "别的群", [], NOW)
    found = store.questions_since(1, NOW - timedelta(days=1))
    assert [(q.question, q.sections) for q in found] == [("新问题", ("（二）",))]
    assert [q.question for q in store.questions_since(1, None)] == ["旧问题", "新问题"]


def test_documents_added_and_changed(open_store: OpenStore) -> None:
    store = open_store()
    store.sync_documents({"a": ("甲", "h1")}, NOW)
    later = NOW + timedelta(days=1)
    store.sync_documents({"a": ("甲", "h2"), "b": ("乙", "h3")}, later)
    assert store.documents_changed_since(NOW) == [("a", "甲", False), ("b", "乙", True)]
    store.sync_documents({"a": ("甲", "h2"), "b": ("乙", "h3")}, later + timedelta(days=1))
    assert store.documents_changed_since(later) == []


def test_removed_documents_are_remembered(open_store: OpenStore) -> None:
    store = open_store()
    store.sync_documents({"a": ("甲", "h1"), "b": ("乙", "h2")}, NOW)
    store.mark_removed(["b"], NOW + timedelta(hours=1))
    assert store.removed_documents() == {"b"}
    assert store.documents_changed_since(NOW) == [("b", "乙", False)]


def test_the_summary_switch_is_kept_per_chat(open_store: OpenStore) -> None:
    store = open_store()
    assert store.summaries_enabled(SUPERGROUP) is None
    store.set_summaries(SUPERGROUP, False)
    store.set_summaries(SUPERGROUP, True)
    store.set_summaries(2, False)
    assert (store.summaries_enabled(SUPERGROUP), store.summaries_enabled(2)) == (True, False)


def test_a_writer_store_sees_and_makes_the_same_data(open_store: OpenStore) -> None:
    store = open_store()
    writer = store.writer()
    try:
        writer.subscribe(1, time(8, 30), (), NOW)
        assert store.subscription(1) is not None
        assert writer.migrated_now == []
    finally:
        writer.close()
    assert store.ping()  # closing the writer leaves the main store working


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_an_sqlite_store_is_one_file(open_store: OpenStore) -> None:
    store = open_store()
    assert store.path is not None
    assert store.path.is_file()


def test_a_chat_that_subscribes_again_can_have_the_day_it_refused(open_store: OpenStore) -> None:
    store = open_store()
    day = NOW.date()
    store.subscribe(5, time(8, 30), (), NOW)
    assert store.claim_digest(5, day, NOW)
    store.deactivate(5, "forbidden", NOW)
    store.finish_digest(5, day, NOW, "forbidden")  # the chat had blocked the bot
    assert not store.claim_digest(5, day, NOW)
    store.subscribe(5, time(8, 30), (), NOW)
    assert store.claim_digest(5, day, NOW)


def test_subscribing_again_keeps_a_day_that_was_sent(open_store: OpenStore) -> None:
    store = open_store()
    day = NOW.date()
    store.subscribe(5, time(8, 30), (), NOW)
    assert store.claim_digest(5, day, NOW)
    store.finish_digest(5, day, NOW, "sent")
    store.subscribe(5, time(9, 0), (), NOW)
    assert not store.claim_digest(5, day, NOW)
