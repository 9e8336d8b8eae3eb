"""Each chat's ChatState in the store, on both engines: JSON round trip, unreadable rows, and
the PTB persistence that reads and writes it (as two processes sharing one database)."""

from __future__ import annotations

import asyncio
import copy
import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.state import (
    MAX_REMEMBERED,
    Asked,
    ChatState,
    chat_state_json,
    merge_chat_states,
    parse_chat_state,
)
from bot.store.store import Store
from bot.telegram.persistence import ChatStatePersistence

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SUPERGROUP = -1001234567890  # Telegram's group ids need more than 32 bits

OpenStore = Callable[[], Store]


def asking() -> ChatState:
    """A chat that read a document and asked two questions, the second paged once."""
    return ChatState(
        "数据二十条", {1 << 29: Asked("数据资产登记", 3), 17: Asked("公共数据授权运营", 6)}
    )


def persistence(store: Store) -> ChatStatePersistence:
    return ChatStatePersistence(store, clock=lambda: NOW, update_interval=60)


def test_a_chat_state_survives_a_round_trip_through_the_store(open_store: OpenStore) -> None:
    store = open_store()
    store.save_chat_state(SUPERGROUP, chat_state_json(asking()), NOW)
    store.close()
    stored = open_store().chat_state(SUPERGROUP)
    assert stored is not None
    parsed = parse_chat_state(stored)
    assert parsed == asking()
    assert parsed is not None
    assert list(parsed.asked) == [1 << 29, 17]  # oldest first, as asked


def test_saving_again_replaces_the_chat_state(open_store: OpenStore) -> None:
    store = open_store()
    store.save_chat_state(SUPERGROUP, chat_state_json(asking()), NOW)
    store.save_chat_state(SUPERGROUP, chat_state_json(ChatState("个人信息保护法")), NOW)
    stored = store.chat_state(SUPERGROUP)
    assert stored is not None
    assert (parsed := parse_chat_state(stored)) is not None
    assert (parsed.doc_id, parsed.asked) == ("个人信息保护法", {})
    assert store.chat_state(42) is None


def test_a_dropped_chat_state_is_gone(open_store: OpenStore) -> None:
    store = open_store()
    store.save_chat_state(SUPERGROUP, chat_state_json(asking()), NOW)
    store.drop_chat_state(SUPERGROUP)
    assert store.chat_state(SUPERGROUP) is None


UNREADABLE = (
    "",
    "{not json",
    "[]",
    "null",
    '{"v": 2, "doc_id": null, "asked": []}',
    '{"doc_id": null, "asked": []}',
    '{"v": 1, "doc_id": 7, "asked": []}',
    '{"v": 1, "doc_id": null, "asked": [["1", "问题", 3]]}',
    '{"v": 1, "doc_id": null, "asked": [[true, "问题", 3]]}',
    '{"v": 1, "doc_id": null, "asked": [[1, "问题", -3]]}',
    '{"v": 1, "doc_id": null, "asked": [[1, "问题"]]}',
    '{"v": 1, "doc_id": null, "asked": [[1, 2, 3]]}',
    '{"v": 1, "doc_id": null, "asked": {"abc": 1}}',
    '{"v": 1, "doc_id": null, "asked": 3}',
    '{"v": 1, "doc_id": null}',
)


@pytest.mark.parametrize("text", UNREADABLE)
def test_an_unreadable_chat_state_is_none_not_an_error(text: str) -> None:
    assert parse_chat_state(text) is None


async def test_a_corrupt_row_gives_the_chat_a_fresh_state(
    open_store: OpenStore, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store()
    store.save_chat_state(SUPERGROUP, '{"v": 1, "doc_id": 7', NOW)
    state = ChatState()  # as PTB makes it for a chat's first update in a new process
    with caplog.at_level(logging.WARNING, logger="bot.telegram.persistence"):
        await persistence(store).refresh_chat_data(SUPERGROUP, state)
    assert state == ChatState()
    assert "unreadable" in caplog.text


async def test_a_corrupt_row_is_replaced_by_the_next_save(open_store: OpenStore) -> None:
    store = open_store()
    store.save_chat_state(SUPERGROUP, "garbage", NOW)
    saving = persistence(store)
    state = ChatState()
    await saving.refresh_chat_data(SUPERGROUP, state)
    state.remember("数据资产登记", 3)
    await saving.update_chat_data(SUPERGROUP, state)
    await saving.flush()
    stored = store.chat_state(SUPERGROUP)
    assert stored is not None
    assert parse_chat_state(stored) == state


async def test_a_state_saved_by_one_process_is_read_by_the_next(open_store: OpenStore) -> None:
    first = persistence(open_store())
    await first.update_chat_data(SUPERGROUP, asking())
    await first.flush()
    fresh = ChatState()
    await persistence(open_store()).refresh_chat_data(SUPERGROUP, fresh)
    assert fresh == asking()


async def test_a_chat_never_stored_keeps_its_memory(open_store: OpenStore) -> None:
    state = asking()
    await persistence(open_store()).refresh_chat_data(SUPERGROUP, state)
    assert state == asking()


async def test_changes_not_yet_flushed_are_kept_over_this_process_own_row(
    open_store: OpenStore,
) -> None:
    mine = persistence(open_store())
    state = asking()
    await mine.update_chat_data(SUPERGROUP, state)
    state.doc_id = "个人信息保护法"  # changed after the last flush
    await mine.refresh_chat_data(SUPERGROUP, state)
    assert state.doc_id == "个人信息保护法"
    await mine.flush()


async def test_another_replica_write_is_taken_in(open_store: OpenStore) -> None:
    here, there = persistence(open_store()), persistence(open_store())
    state = asking()
    await here.update_chat_data(SUPERGROUP, state)
    elsewhere = ChatState()
    await there.refresh_chat_data(SUPERGROUP, elsewhere)
    qid = elsewhere.remember("数据安全托管服务", 3)
    elsewhere.doc_id = "个人信息保护法"
    await there.update_chat_data(SUPERGROUP, elsewhere)
    await here.refresh_chat_data(SUPERGROUP, state)
    assert state.asked[qid] == Asked("数据安全托管服务", 3)
    assert state.doc_id == "个人信息保护法"  # moved there, not here: theirs
    await here.flush()
    await there.flush()


async def test_two_replicas_asking_in_one_chat_at_once_keep_both_questions(
    open_store: OpenStore,
) -> None:
    here, there = persistence(open_store()), persistence(open_store())
    mine, theirs = ChatState(), ChatState()
    await here.refresh_chat_data(SUPERGROUP, mine)
    await there.refresh_chat_data(SUPERGROUP, theirs)
    first = mine.remember("数据资产登记", 3)
    mine.doc_id = "数据二十条"
    second = theirs.remember("公共数据授权运营", 3)
    await here.update_chat_data(SUPERGROUP, mine)
    await there.update_chat_data(SUPERGROUP, theirs)  # merged into, not over, the first
    for process, state in ((here, mine), (there, theirs)):
        await process.refresh_chat_data(SUPERGROUP, state)
        assert set(state.asked) == {first, second}
        assert state.doc_id == "数据二十条"
    await here.flush()
    await there.flush()


def test_a_merge_keeps_the_further_page_and_forgets_the_oldest_beyond_the_limit() -> None:
    base = ChatState("数据二十条", {1: Asked("一", 3)})
    ours = ChatState("数据二十条", {1: Asked("一", 6)})
    theirs = ChatState("个人信息保护法", {1: Asked("一", 3)})
    for n in range(2, MAX_REMEMBERED + 2):
        theirs.asked[n] = Asked(str(n), 3)
    merged = merge_chat_states(ours, theirs, base)
    assert merged.doc_id == "个人信息保护法"
    assert len(merged.asked) == MAX_REMEMBERED
    assert 1 not in merged.asked  # the oldest
    ours.asked[MAX_REMEMBERED + 2] = Asked("新", 3)
    ours.doc_id = "数据安全法"
    merged = merge_chat_states(ours, theirs, base)
    assert merged.doc_id == "数据安全法"  # moved here since base: ours
    assert list(merged.asked)[-1] == MAX_REMEMBERED + 2


async def test_an_empty_state_is_not_stored(open_store: OpenStore) -> None:
    store = open_store()
    saving = persistence(store)
    await saving.update_chat_data(SUPERGROUP, ChatState())
    await saving.flush()
    assert store.chat_state(SUPERGROUP) is None


async def test_a_locked_database_costs_the_save_not_the_state(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path / "bot.sqlite3")
    saving = persistence(store)
    other = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    state = asking()
    with caplog.at_level(logging.WARNING, logger="bot.telegram.persistence"):
        await saving.update_chat_data(SUPERGROUP, state)
    assert "not saved" in caplog.text
    other.rollback()
    other.close()
    await saving.refresh_chat_data(SUPERGROUP, state)
    assert state == asking()
    await saving.update_chat_data(SUPERGROUP, state)  # the next flush saves it after all
    await saving.flush()
    stored = store.chat_state(SUPERGROUP)
    assert stored is not None
    assert parse_chat_state(stored) == asking()
    store.close()


async def test_a_refresh_while_saving_does_not_take_the_old_row_for_news(tmp_path: Path) -> None:
    store = Store(tmp_path / "bot.sqlite3")
    saving = persistence(store)
    state = asking()
    await saving.update_chat_data(SUPERGROUP, state)
    state.doc_id = "个人信息保护法"
    other = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the second save waits for this lock
    save = asyncio.create_task(saving.update_chat_data(SUPERGROUP, copy.deepcopy(state)))
    await asyncio.sleep(0.3)
    await saving.refresh_chat_data(SUPERGROUP, state)  # reads the first save's row
    assert state.doc_id == "个人信息保护法"
    other.rollback()
    other.close()
    await save
    await saving.flush()
    stored = store.chat_state(SUPERGROUP)
    assert stored is not None
    assert parse_chat_state(stored) == state
    store.close()


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_a_database_that_does_not_answer_holds_an_update_at_most_a_moment(
    database: str, caplog: pytest.LogCaptureFixture
) -> None:
    import psycopg

    store = Store(database)
    reading = persistence(store)
    await reading.update_chat_data(SUPERGROUP, asking())
    await reading.flush()
    # Another session holds the table: every read of a chat's state now waits.
    with psycopg.connect(database, autocommit=True) as other, other.transaction():
        other.execute("LOCK TABLE chat_state IN ACCESS EXCLUSIVE MODE")
        waits = []
        for _ in range(5):  # a flood meets the stuck readers, then skips the read at once
            state = ChatState("个人信息保护法")
            started = time.monotonic()
            with caplog.at_level(logging.DEBUG, logger="bot.telegram.persistence"):
                await reading.refresh_chat_data(SUPERGROUP, state)
            waits.append(time.monotonic() - started)
            assert state == ChatState("个人信息保护法")  # memory goes on
    assert max(waits) < 0.3
    assert caplog.text.count("WARNING") == 1  # one warning, not one per update
    await reading.flush()
    store.close()
