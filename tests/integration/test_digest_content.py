"""Digest content from the real seeds: reading plan, keywords, questions, changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.digest import clause_key, fingerprints, gather
from bot.digest_layout import MAX_CHANGE_LINES
from bot.render import digest_text
from bot.store.store import Store, Subscription
from bot.telegram.digest_render import build_digest, render_parts
from retrieval.library import Library
from tests.e2e.fake_bot_api import parse_html

NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
DAY = date(2026, 11, 23)


def sent(store: Store, library: Library, sub: Subscription, day: date, now: datetime) -> str:
    """Build, 'send' and record a digest the way delivery does; return its text."""
    assert store.claim_digest(sub.chat_id, day, now)
    digest = build_digest(library, store, sub, day, now)
    store.record_sent(sub.chat_id, day, digest.cursor, list(digest.clause_keys))
    store.finish_digest(sub.chat_id, day, now, "sent")
    return "\n".join(parse_html(m) for m in digest.messages)


def test_reading_plan_walks_the_policies_one_clause_a_day(
    tmp_path: Path, library: Library
) -> None:
    store = Store(tmp_path / "s.sqlite3")
    sub = Subscription(1, time(8, 30), (), True)
    first = sent(store, library, sub, DAY, NOW)
    second = sent(store, library, sub, DAY + timedelta(days=1), NOW + timedelta(days=1))
    assert "今日条款" in first
    assert "《国务院关于加强数字政府建设的指导意见》序言" in first
    assert "《国务院关于加强数字政府建设的指导意见》一、（一）" in second


def test_keyword_clauses_are_not_repeated(tmp_path: Path, library: Library) -> None:
    store = Store(tmp_path / "s.sqlite3")
    sub = Subscription(1, time(8, 30), ("授权运营",), True)
    day1 = build_digest(library, store, sub, DAY, NOW)
    store.record_sent(1, DAY, day1.cursor, list(day1.clause_keys))
    day2 = build_digest(library, store, sub, DAY + timedelta(days=1), NOW)
    assert day1.clause_keys
    assert not set(day1.clause_keys) & set(day2.clause_keys)


def test_recent_questions_with_their_sections(tmp_path: Path, library: Library) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.log_question(1, "公共数据授权运营要公开吗", ["《公共数据资源开发利用意见》（五）"], NOW)
    text = sent(
        store, library, Subscription(1, time(8, 30), (), True), DAY, NOW + timedelta(minutes=1)
    )
    assert "本群近日提问" in text
    assert "公共数据授权运营要公开吗 → 《公共数据资源开发利用意见》（五）" in text
    later = sent(
        store,
        library,
        Subscription(1, time(8, 30), (), True),
        DAY + timedelta(days=1),
        NOW + timedelta(days=1),
    )
    assert "本群近日提问" not in later


def test_changed_documents_since_the_last_digest(tmp_path: Path, library: Library) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.sync_documents(fingerprints(library), NOW - timedelta(days=1))
    sub = Subscription(1, time(8, 30), (), True)
    sent(store, library, sub, DAY, NOW)
    store.sync_documents({"sh_credit": ("上海市社会信用条例", "x")}, NOW + timedelta(hours=1))
    text = sent(store, library, sub, DAY + timedelta(days=1), NOW + timedelta(days=1))
    assert "文件更新" in text
    assert "新增《上海市社会信用条例》" in text


def test_digest_messages_fit_telegram(tmp_path: Path, library: Library) -> None:
    store = Store(tmp_path / "s.sqlite3")
    sub = Subscription(1, time(8, 30), ("数据安全", "政务服务", "人工智能", "跨境"), True)
    digest = build_digest(library, store, sub, DAY, NOW, limit=1000)
    assert len(digest.messages) > 1
    assert all(len(m) <= 1000 for m in digest.messages)
    for message in digest.messages:
        parse_html(message)
    assert clause_key(library.clauses[0]) == "digital_gov|序言"


def _many_changes(n: int) -> tuple[tuple[str, str], ...]:
    return tuple(("changed", f"关于第{i}批政务数据共享工作的实施意见（试行）") for i in range(n))


@pytest.mark.parametrize("limit", [600, 4096])
def test_a_flood_of_changed_documents_stays_within_one_message(
    tmp_path: Path, library: Library, limit: int
) -> None:
    store = Store(tmp_path / "s.db")
    sub = Subscription(1, time(8, 0), (), True)
    content = replace(gather(library, store, sub, DAY, NOW), changes=_many_changes(300))
    parts = render_parts(content, limit)
    assert all(len(p.text) <= limit for p in parts)
    for part in parts:
        parse_html(part.text)
    changes = next(p.text for p in parts if "文件更新" in p.text)
    assert "另有" in changes
    assert "《关于第0批" in changes


def test_the_cli_digest_names_a_few_changes_and_counts_the_rest(
    tmp_path: Path, library: Library
) -> None:
    store = Store(tmp_path / "s.db")
    sub = Subscription(1, time(8, 0), (), True)
    content = replace(gather(library, store, sub, DAY, NOW), changes=_many_changes(300))
    section = digest_text(content).split("文件更新")[1]
    assert section.count("•") == MAX_CHANGE_LINES
    assert f"另有 {300 - MAX_CHANGE_LINES} 个文件" in section
