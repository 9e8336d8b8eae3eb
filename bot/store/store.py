"""Persistence: subscriptions, reading cursors, question and sent logs, digests, chat state.

One schema on SQLite (default) or PostgreSQL (bot/store/database.py): schema changes are named
migrations recorded in `migrations`, applied once, in order, on either engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from bot.store.database import DATABASE_ERRORS, Engine, Sql
from bot.store.engines import open_engine

# The words the store keeps in its status columns, each written only by the methods below.
InactiveReason = Literal["unsubscribed", "forbidden"]  # subscriptions.inactive_reason
DigestEnd = Literal["sent", "failed", "forbidden"]  # how a claimed digest ended
DigestStatus = Literal["sending", DigestEnd]  # digests.status: claimed, then ended
PartState = Literal["pending", "sending", "sent"]  # digest_parts.state: sending is in flight
Cursor = tuple[str, int]  # a reading-plan position: document id and clause ordinal
INACTIVE_REASONS: tuple[InactiveReason, ...] = get_args(InactiveReason)
DIGEST_STATUSES: tuple[DigestStatus, ...] = get_args(DigestStatus)  # nested Literals flatten
PART_STATES: tuple[PartState, ...] = get_args(PartState)
V = TypeVar("V", bound=str)

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_subscriptions",
        """
        CREATE TABLE subscriptions (
            chat_id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            keywords TEXT NOT NULL DEFAULT '[]',
            active INTEGER NOT NULL DEFAULT 1,
            inactive_reason TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );""",
    ),
    (
        "0002_reading_cursor",
        """
        CREATE TABLE reading_cursor (
            chat_id INTEGER PRIMARY KEY,
            doc_id TEXT NOT NULL,
            ordinal INTEGER NOT NULL
        );""",
    ),
    (
        "0003_question_log",
        """
        CREATE TABLE question_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL,
            asked_at TEXT NOT NULL,
            question TEXT NOT NULL,
            sections TEXT NOT NULL
        );
        CREATE INDEX question_log_chat ON question_log (chat_id, asked_at);""",
    ),
    (
        "0004_sent_log",
        """
        CREATE TABLE sent_log (
            chat_id INTEGER NOT NULL,
            clause_key TEXT NOT NULL,
            day TEXT NOT NULL,
            PRIMARY KEY (chat_id, clause_key)
        );""",
    ),
    (
        "0005_digests",
        """
        CREATE TABLE digests (
            chat_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            status TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            finished_at TEXT,
            PRIMARY KEY (chat_id, day)
        );""",
    ),
    (
        "0006_documents",
        """
        CREATE TABLE documents (
            doc_id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            changed_at TEXT NOT NULL
        );""",
    ),
    (
        "0007_chat_settings",
        """
        CREATE TABLE chat_settings (
            chat_id INTEGER PRIMARY KEY,
            summaries INTEGER
        );""",
    ),
    (
        "0008_digest_parts",
        """
        CREATE TABLE digest_parts (
            chat_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            part INTEGER NOT NULL,
            text TEXT NOT NULL,
            cursor TEXT,
            clause_keys TEXT NOT NULL DEFAULT '[]',
            state TEXT NOT NULL DEFAULT 'pending',
            sent_at TEXT,
            PRIMARY KEY (chat_id, day, part)
        );""",
    ),
    (
        "0009_chat_state",
        """
        CREATE TABLE chat_state (
            chat_id INTEGER PRIMARY KEY,
            state TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );""",
    ),
)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat's daily digest: when, which keywords, whether it is still delivered."""

    chat_id: int
    at: time
    keywords: tuple[str, ...]
    active: bool
    inactive_reason: InactiveReason | None = None


@dataclass(frozen=True, slots=True)
class DigestPart:
    """A piece of a digest and what sending it records: plan cursor, keyword clauses.

    The one shape from layout to store: a block of the layout (bot/digest_layout.py), a
    message packed from blocks (bot/telegram/digest_render.py), and what the store keeps."""

    text: str
    cursor: Cursor | None = None
    clause_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredPart:
    """A kept digest part: its place in the day's digest and whether it went out."""

    number: int
    part: DigestPart
    state: PartState

    @property
    def text(self) -> str:
        """The message as sent."""
        return self.part.text

    @property
    def cursor(self) -> Cursor | None:
        """The reading-plan position sending it reaches, if it carries today's clause."""
        return self.part.cursor

    @property
    def clause_keys(self) -> tuple[str, ...]:
        """The keyword clauses sending it logs."""
        return self.part.clause_keys


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """A question asked in a chat and the sections that answered it."""

    asked_at: datetime
    question: str
    sections: tuple[str, ...]


class Store:
    """The bot's database: an SQLite file or PostgreSQL; every write is its own transaction."""

    def __init__(self, target: Path | str, engine: Engine | None = None) -> None:
        self._engine = engine or open_engine(target)
        self.target = target
        self.path = self._engine.path  # the SQLite file, None on PostgreSQL
        self.postgres = self._engine.postgres
        self.migrated_now = self.migrate()  # empty when an earlier start (or a replica) did it

    def close(self) -> None:
        """Close the connection (the pool, on PostgreSQL)."""
        self._engine.close()

    def writer(self) -> Store:
        """A store for a writer thread: its own SQLite connection, or the same pool."""
        return Store(self.target, self._engine.shared())

    def ping(self) -> bool:
        """Whether the database answers a trivial query now."""
        try:
            with self._engine.read() as db:
                return bool(db.execute("SELECT 1").fetchone())
        except DATABASE_ERRORS:
            return False

    @contextmanager
    def _tx(self) -> Iterator[Sql]:
        with self._engine.transaction() as db:
            yield db

    def _one(self, sql: str, params: tuple[object, ...] = ()) -> Any:
        with self._engine.read() as db:
            return db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
        with self._engine.read() as db:
            return list(db.execute(sql, params).fetchall())

    def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded, under the engine's lock; their names."""
        applied = []
        with self._engine.migrating() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in db.execute("SELECT name FROM migrations").fetchall()}
            for name, sql in MIGRATIONS:
                if name in done:
                    continue
                for statement in filter(str.strip, self._engine.ddl(sql).split(";")):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO migrations VALUES (?, ?)",
                    (name, datetime.now().astimezone().isoformat()),
                )
                applied.append(name)
        return applied

    def check_answering(self, wait: float) -> None:
        """Raise (StoreError, sqlite3.Error) naming why when the database does not answer."""
        self._engine.ping(wait)

    def applied_migrations(self) -> list[str]:
        """Names of the recorded migrations, in order."""
        return [r[0] for r in self._all("SELECT name FROM migrations ORDER BY name")]

    # --- digest holds: one sender per (chat, day) at a time, across replicas ------------

    def hold_digest(self, chat_id: int, day: date) -> bool:
        """Become the one sender of (chat, day) until release; False while another holds it.

        A hold ends with its process (PostgreSQL: a session advisory lock), so a digest whose
        sender died can be resumed elsewhere, but never while its sender still runs.
        """
        return self._engine.hold(f"digest:{chat_id}:{day.isoformat()}")

    def release_digest(self, chat_id: int, day: date) -> None:
        """Give up the hold taken by hold_digest (never raises)."""
        self._engine.release(f"digest:{chat_id}:{day.isoformat()}")

    # --- subscriptions ------------------------------------------------------------------

    def subscribe(self, chat_id: int, at: time, keywords: tuple[str, ...], now: datetime) -> None:
        """Create or update a subscription and make it active again."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO subscriptions (chat_id, at, keywords, active, created_at, updated_at)"
                " VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET at = excluded.at,"
                " keywords = excluded.keywords, active = 1, inactive_reason = NULL,"
                " updated_at = excluded.updated_at",
                (
                    chat_id,
                    at.strftime("%H:%M"),
                    json.dumps(list(keywords), ensure_ascii=False),
                    now.isoformat(),
                    now.isoformat(),
                ),
            )
            # A digest the chat refused while it had blocked the bot was never read: a chat
            # that subscribes again may have that day's digest after all.
            db.execute(
                "DELETE FROM digests WHERE chat_id = ? AND status = 'forbidden'", (chat_id,)
            )

    def subscription(self, chat_id: int) -> Subscription | None:
        """The chat's subscription, active or not."""
        row = self._one(
            "SELECT chat_id, at, keywords, active, inactive_reason FROM subscriptions "
            "WHERE chat_id = ?",
            (chat_id,),
        )
        return _subscription(row) if row else None

    def subscriptions(self, active_only: bool = True) -> list[Subscription]:
        """All subscriptions (the active ones by default)."""
        rows = self._all(
            "SELECT chat_id, at, keywords, active, inactive_reason FROM subscriptions"
            + (" WHERE active = 1" if active_only else "")
            + " ORDER BY chat_id"
        )
        return [_subscription(r) for r in rows]

    def deactivate(self, chat_id: int, reason: InactiveReason, now: datetime) -> bool:
        """Stop delivering to a chat but keep its subscription (unsubscribe, 403)."""
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE subscriptions SET active = 0, inactive_reason = ?, updated_at = ? "
                "WHERE chat_id = ? AND active = 1",
                (reason, now.isoformat(), chat_id),
            )
            return bool(cursor.rowcount > 0)

    # --- digests: claimed before sending, so a digest goes out at most once a day -------

    def claim_digest(self, chat_id: int, day: date, now: datetime) -> bool:
        """Reserve (chat, day); False when it was already claimed (sent or being sent)."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO digests (chat_id, day, status, claimed_at) "
                "VALUES (?, ?, 'sending', ?) ON CONFLICT (chat_id, day) DO NOTHING",
                (chat_id, day.isoformat(), now.isoformat()),
            )
            return bool(cursor.rowcount == 1)

    def finish_digest(
        self, chat_id: int, day: date, now: datetime, status: DigestEnd = "sent"
    ) -> None:
        """Record how a claimed digest ended: sent, failed or forbidden."""
        with self._tx() as db:
            db.execute(
                "UPDATE digests SET status = ?, finished_at = ? WHERE chat_id = ? AND day = ?",
                (status, now.isoformat(), chat_id, day.isoformat()),
            )

    def digest_status(self, chat_id: int, day: date) -> DigestStatus | None:
        """sending, sent, failed, forbidden — or None when not claimed."""
        row = self._one(
            "SELECT status FROM digests WHERE chat_id = ? AND day = ?", (chat_id, day.isoformat())
        )
        return _known(str(row[0]), DIGEST_STATUSES) if row else None

    def last_digest_at(self, chat_id: int) -> datetime | None:
        """When the last digest to this chat was sent."""
        row = self._one(
            "SELECT MAX(finished_at) FROM digests WHERE chat_id = ? AND status = 'sent'",
            (chat_id,),
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    # --- digest parts: rendered once, then sent and recorded one by one ----------------

    def save_digest_parts(self, chat_id: int, day: date, parts: Sequence[DigestPart]) -> None:
        """Keep a day's rendered digest, numbered in order; the first rendering kept wins."""
        with self._tx() as db:
            db.executemany(
                "INSERT INTO digest_parts (chat_id, day, part, text, cursor, clause_keys) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, day, part) DO NOTHING",
                [
                    (
                        chat_id,
                        day.isoformat(),
                        n,
                        part.text,
                        json.dumps(part.cursor) if part.cursor else None,
                        json.dumps(list(part.clause_keys), ensure_ascii=False),
                    )
                    for n, part in enumerate(parts)
                ],
            )

    def digest_parts(self, chat_id: int, day: date) -> list[StoredPart]:
        """The day's rendered digest parts in order (empty when not rendered yet)."""
        rows = self._all(
            "SELECT part, text, cursor, clause_keys, state FROM digest_parts "
            "WHERE chat_id = ? AND day = ? ORDER BY part",
            (chat_id, day.isoformat()),
        )
        return [
            StoredPart(
                int(n),
                DigestPart(
                    str(text),
                    (str(json.loads(c)[0]), int(json.loads(c)[1])) if c else None,
                    tuple(json.loads(keys)),
                ),
                _known(str(state), PART_STATES),
            )
            for n, text, c, keys, state in rows
        ]

    def mark_part(self, chat_id: int, day: date, number: int, state: PartState) -> None:
        """Set a part's state before sending (sending) or after a refused send (pending)."""
        with self._tx() as db:
            db.execute(
                "UPDATE digest_parts SET state = ? WHERE chat_id = ? AND day = ? AND part = ?",
                (state, chat_id, day.isoformat(), number),
            )

    def part_sent(self, chat_id: int, day: date, part: StoredPart, now: datetime) -> None:
        """Record one part as sent and, with it, what it carried (plan cursor, keyword clauses)."""
        with self._tx() as db:
            db.execute(
                "UPDATE digest_parts SET state = 'sent', sent_at = ? "
                "WHERE chat_id = ? AND day = ? AND part = ?",
                (now.isoformat(), chat_id, day.isoformat(), part.number),
            )
            _advance(db, chat_id, day, part.cursor, list(part.clause_keys))

    # --- reading plan, sent clauses, questions ------------------------------------------

    def cursor(self, chat_id: int) -> Cursor | None:
        """The last clause of the reading plan sent to this chat."""
        row = self._one("SELECT doc_id, ordinal FROM reading_cursor WHERE chat_id = ?", (chat_id,))
        return (str(row[0]), int(row[1])) if row else None

    def record_sent(
        self, chat_id: int, day: date, cursor: Cursor | None, clause_keys: list[str]
    ) -> None:
        """After a digest went out: advance the reading plan and log the clauses sent."""
        with self._tx() as db:
            _advance(db, chat_id, day, cursor, clause_keys)

    def sent_keys(self, chat_id: int) -> set[str]:
        """Clauses already sent to this chat by keyword."""
        rows = self._all("SELECT clause_key FROM sent_log WHERE chat_id = ?", (chat_id,))
        return {str(r[0]) for r in rows}

    def log_question(
        self, chat_id: int, question: str, sections: list[str], now: datetime
    ) -> None:
        """Remember a question and the sections that answered it (for 本群近日提问)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO question_log (chat_id, asked_at, question, sections) "
                "VALUES (?, ?, ?, ?)",
                (
                    chat_id,
                    now.isoformat(),
                    question[:200],
                    json.dumps(sections, ensure_ascii=False),
                ),
            )

    def questions_since(self, chat_id: int, since: datetime | None) -> list[LoggedQuestion]:
        """Questions asked in the chat after `since` (all when None), oldest first."""
        rows = self._all(
            "SELECT asked_at, question, sections FROM question_log WHERE chat_id = ? "
            "AND asked_at > ? ORDER BY id",
            (chat_id, since.isoformat() if since else ""),
        )
        return [
            LoggedQuestion(datetime.fromisoformat(a), q, tuple(json.loads(s))) for a, q, s in rows
        ]

    # --- corpus changes -----------------------------------------------------------------

    def sync_documents(self, fingerprints: dict[str, tuple[str, str]], now: datetime) -> None:
        """Record each document's fingerprint; a new or different one is a change now."""
        with self._tx() as db:
            for doc_id, (title, fingerprint) in fingerprints.items():
                row = db.execute(
                    "SELECT fingerprint FROM documents WHERE doc_id = ?", (doc_id,)
                ).fetchone()
                if row is None:
                    # Replicas starting together record the same documents: first one wins.
                    db.execute(
                        "INSERT INTO documents (doc_id, title, fingerprint, first_seen, "
                        "changed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (doc_id) DO NOTHING",
                        (doc_id, title, fingerprint, now.isoformat(), now.isoformat()),
                    )
                elif row[0] != fingerprint:
                    db.execute(
                        "UPDATE documents SET fingerprint = ?, title = ?, changed_at = ? "
                        "WHERE doc_id = ?",
                        (fingerprint, title, now.isoformat(), doc_id),
                    )

    def mark_removed(self, doc_ids: list[str], now: datetime) -> None:
        """Record documents that left the corpus as changed now (their fingerprint emptied)."""
        with self._tx() as db:
            db.executemany(
                "UPDATE documents SET fingerprint = '', changed_at = ? WHERE doc_id = ?",
                [(now.isoformat(), doc_id) for doc_id in doc_ids],
            )

    def removed_documents(self) -> set[str]:
        """Documents recorded as gone from the corpus (see mark_removed)."""
        rows = self._all("SELECT doc_id FROM documents WHERE fingerprint = ''")
        return {str(r[0]) for r in rows}

    def documents_changed_since(self, since: datetime | None) -> list[tuple[str, str, bool]]:
        """(doc_id, title, is_new) for documents added or changed after `since`."""
        rows = self._all(
            "SELECT doc_id, title, first_seen = changed_at FROM documents WHERE changed_at > ? "
            "ORDER BY changed_at",
            (since.isoformat() if since else "",),
        )
        return [(str(d), str(t), bool(n)) for d, t, n in rows]

    # --- per-chat settings --------------------------------------------------------------

    def summaries_enabled(self, chat_id: int) -> bool | None:
        """The chat's /summary switch, or None when never set."""
        row = self._one("SELECT summaries FROM chat_settings WHERE chat_id = ?", (chat_id,))
        return None if row is None or row[0] is None else bool(row[0])

    def set_summaries(self, chat_id: int, enabled: bool) -> None:
        """Persist the chat's /summary switch."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO chat_settings (chat_id, summaries) VALUES (?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET summaries = excluded.summaries",
                (chat_id, int(enabled)),
            )

    # --- per-chat state: the current document and pageable questions, as JSON ------------

    def chat_state(self, chat_id: int) -> str | None:
        """The chat's stored state (JSON written by bot/state.py), or None when never stored."""
        row = self._one("SELECT state FROM chat_state WHERE chat_id = ?", (chat_id,))
        return str(row[0]) if row and row[0] else None

    def save_chat_state(self, chat_id: int, state: str, now: datetime) -> None:
        """Keep the chat's state (JSON), replacing what was there."""
        self.update_chat_state(chat_id, lambda stored: state, now)

    def update_chat_state(
        self, chat_id: int, change: Callable[[str | None], str], now: datetime
    ) -> str:
        """Store change(stored state) in one transaction; returns what was stored.

        The row is locked from read to write: processes saving one chat at once take turns,
        so `change` can merge another's write instead of overwriting it."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO chat_state (chat_id, state, updated_at) VALUES (?, '', ?) "
                "ON CONFLICT (chat_id) DO NOTHING",
                (chat_id, now.isoformat()),
            )
            lock = " FOR UPDATE" if self.postgres else ""  # SQLite: BEGIN IMMEDIATE did it
            row = db.execute(
                "SELECT state FROM chat_state WHERE chat_id = ?" + lock, (chat_id,)
            ).fetchone()
            state = change(str(row[0]) if row and row[0] else None)
            db.execute(
                "UPDATE chat_state SET state = ?, updated_at = ? WHERE chat_id = ?",
                (state, now.isoformat(), chat_id),
            )
            return state

    def drop_chat_state(self, chat_id: int) -> None:
        """Forget the chat's state."""
        with self._tx() as db:
            db.execute("DELETE FROM chat_state WHERE chat_id = ?", (chat_id,))


def _advance(
    db: Sql,
    chat_id: int,
    day: date,
    cursor: Cursor | None,
    clause_keys: list[str],
) -> None:
    """Inside a transaction: move the reading plan on and log the keyword clauses sent."""
    if cursor is not None:
        db.execute(
            "INSERT INTO reading_cursor (chat_id, doc_id, ordinal) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_id) "
            "DO UPDATE SET doc_id = excluded.doc_id, ordinal = excluded.ordinal",
            (chat_id, *cursor),
        )
    db.executemany(
        "INSERT INTO sent_log (chat_id, clause_key, day) VALUES (?, ?, ?) "
        "ON CONFLICT (chat_id, clause_key) DO NOTHING",
        [(chat_id, key, day.isoformat()) for key in clause_keys],
    )


def _subscription(row: tuple[int, str, str, int, str | None]) -> Subscription:
    chat_id, at, keywords, active, reason = row
    return Subscription(
        chat_id,
        time.fromisoformat(at),
        tuple(json.loads(keywords)),
        bool(active),
        _known(reason, INACTIVE_REASONS) if reason is not None else None,
    )


def _known(word: str, vocabulary: tuple[V, ...]) -> V:
    """A stored word as its vocabulary's type; a word no method writes is an error."""
    for known in vocabulary:
        if known == word:
            return known
    raise ValueError(f"{word!r} is not one of {', '.join(vocabulary)}")
