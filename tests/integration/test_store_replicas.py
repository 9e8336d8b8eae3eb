"""Two replicas on one database (each store its own connection): migrations applied once,
a day's digest claimed once, and a digest held by one sender at a time."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.store.store import MIGRATIONS, DigestPart, Store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DAY = date(2026, 11, 23)
CHATS = range(-1001000000000, -1001000000000 + 30)

OpenStore = Callable[[], Store]


def together(count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(0..count-1) in threads released at the same instant."""
    start = threading.Barrier(count)

    def run(n: int) -> object:
        start.wait()
        return work(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_stores_starting_together_apply_each_migration_once(database: Path | str) -> None:
    stores = together(4, lambda _: Store(database))
    try:
        applied = [name for store in stores for name in store.migrated_now]  # type: ignore[attr-defined]
        assert sorted(applied) == sorted(name for name, _ in MIGRATIONS)
        assert stores[0].applied_migrations() == [name for name, _ in MIGRATIONS]  # type: ignore[attr-defined]
    finally:
        for store in stores:
            store.close()  # type: ignore[attr-defined]


def test_two_replicas_racing_for_a_day_exactly_one_wins(open_store: OpenStore) -> None:
    replicas = [open_store(), open_store()]
    for chat in CHATS:
        won = together(2, lambda n, chat=chat: replicas[n].claim_digest(chat, DAY, NOW))
        assert sorted(won) == [False, True], chat  # type: ignore[type-var]
        assert {r.digest_status(chat, DAY) for r in replicas} == {"sending"}


def test_a_digest_held_by_one_replica_is_refused_to_the_other(open_store: OpenStore) -> None:
    first, second = open_store(), open_store()
    assert first.hold_digest(1, DAY)
    assert not second.hold_digest(1, DAY)
    assert not first.hold_digest(1, DAY)  # not twice from one replica either
    assert second.hold_digest(2, DAY)
    first.release_digest(1, DAY)
    assert second.hold_digest(1, DAY)


def test_racing_for_a_hold_exactly_one_wins(open_store: OpenStore) -> None:
    replicas = [open_store(), open_store()]
    for chat in CHATS:
        held = together(2, lambda n, chat=chat: replicas[n].hold_digest(chat, DAY))
        assert sorted(held) == [False, True], chat  # type: ignore[type-var]


def test_a_closed_replica_leaves_its_digest_to_the_other(open_store: OpenStore) -> None:
    first, second = open_store(), open_store()
    assert first.hold_digest(1, DAY)
    first.close()
    assert second.hold_digest(1, DAY)


def test_a_dead_senders_digest_resumes_where_it_stopped(open_store: OpenStore) -> None:
    """The claim stays `sending`; the survivor sees which parts went out, which was in flight."""
    first, second = open_store(), open_store()
    assert first.hold_digest(1, DAY)
    assert first.claim_digest(1, DAY, NOW)
    first.save_digest_parts(
        1, DAY, [DigestPart("一", ("甲", 0)), DigestPart("二", None, ("甲|二",)), DigestPart("三")]
    )
    sent, in_flight, _ = first.digest_parts(1, DAY)
    first.part_sent(1, DAY, sent, NOW)
    first.mark_part(1, DAY, in_flight.number, "sending")
    first.close()  # dies mid-send
    assert second.hold_digest(1, DAY)
    assert not second.claim_digest(1, DAY, NOW)
    assert second.digest_status(1, DAY) == "sending"
    assert [p.state for p in second.digest_parts(1, DAY)] == ["sent", "sending", "pending"]


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_hold_dies_with_its_process(database: str, open_store: OpenStore) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, datetime\n"
            "from bot.store.store import Store\n"
            "store = Store(sys.argv[1])\n"
            "assert store.hold_digest(1, datetime.date(2026, 11, 23))\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
            database,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        survivor = open_store()
        assert not survivor.hold_digest(1, DAY)
    finally:
        holder.kill()  # SIGKILL: no clean-up code runs
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    deadline = time.monotonic() + 10
    while not survivor.hold_digest(1, DAY):
        assert time.monotonic() < deadline, "the dead process's hold was never released"
        time.sleep(0.1)


def test_replicas_starting_together_record_the_corpus_once_without_error(
    open_store: OpenStore,
) -> None:
    replicas = [open_store(), open_store()]
    for round_ in range(20):
        fingerprints = {f"doc-{round_}-{n}": (f"文件{n}", f"fp{n}") for n in range(5)}
        together(2, lambda n, f=fingerprints: replicas[n].sync_documents(f, NOW))
    assert replicas[0].removed_documents() == set()
