"""Each chat's ChatState in the store: it survives a restart and is shared by replicas.

PTB keeps chat_data in memory and calls this persistence around it: `refresh_chat_data`
before each update of a chat, `update_chat_data` for the chats touched, every
`update_interval` seconds and at shutdown. Only chat_data is stored; the rest are no-ops.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.state import ChatState, chat_state_json, merge_chat_states, parse_chat_state
from bot.store.database import DATABASE_ERRORS
from bot.store.store import Store
from bot.store.writes import StoreWrites

log = logging.getLogger(__name__)
FLUSH_SECONDS = 1.0  # how long a chat's change may stay in this process's memory only
# How long an answer may wait for its chat's stored state before going on from memory: a lost
# PostgreSQL makes a read wait for the pool's 5 s; a locked SQLite file for its busy timeout.
READ_WAIT = 0.1
READERS = 4  # threads reading chat state; when all are stuck, answers skip the read at once
WARN_EVERY = 60.0  # seconds: one warning per minute of failing reads, the rest at DEBUG


class ChatStatePersistence(BasePersistence[dict[Any, Any], ChatState, dict[Any, Any]]):
    """chat_data as JSON rows of the store's chat_state table; no pickle, nothing else kept."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        update_interval: float = FLUSH_SECONDS,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=False, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._store = store
        self._clock = clock
        # Writes on their own thread and connection: a locked database waits there, and the
        # services' writer may already be closed when PTB flushes at shutdown.
        self._writes: StoreWrites | None = None
        # Per chat, the JSON this process last read or wrote: a different row in the store
        # is another process's write; the same one means memory is as new or newer.
        self._known: dict[int, str] = {}
        # Per chat being saved, the row the save replaces: read meanwhile, it is not news.
        self._replacing: dict[int, str | None] = {}
        # Own threads: reads stuck on a lost database never take the answers' worker threads.
        self._readers: ThreadPoolExecutor | None = None
        self._stuck = 0  # reads given up on (timed out) and not finished yet
        self._warned = -WARN_EVERY  # monotonic time of the last warning

    async def get_chat_data(self) -> dict[int, ChatState]:
        """Nothing up front: each chat is read when its first update arrives."""
        return {}

    async def refresh_chat_data(self, chat_id: int, chat_data: ChatState) -> None:
        """Before an update: take in what another process stored for the chat since."""
        if self._stuck >= READERS:  # every reader waits for the database: do not queue
            self._read_failed(chat_id, "earlier reads still waiting for the database")
            return
        read = asyncio.get_running_loop().run_in_executor(
            self._reader(), self._store.chat_state, chat_id
        )
        try:
            text = await asyncio.wait_for(asyncio.shield(read), READ_WAIT)
        except TimeoutError:
            self._stuck += 1
            read.add_done_callback(self._stuck_read_done)
            self._read_failed(chat_id, f"no answer within {READ_WAIT} s")
            return
        except DATABASE_ERRORS as exc:
            self._read_failed(chat_id, str(exc))
            return
        known = self._known.get(chat_id)
        if text is None or text == known or text == self._replacing.get(chat_id):
            return  # memory may hold changes not flushed yet: keep them
        self._known[chat_id] = text
        theirs = parse_chat_state(text)
        if theirs is None:
            log.warning(
                "state of chat %s unreadable, keeping memory (or starting afresh)", chat_id
            )
            return
        base = parse_chat_state(known) if known else None
        chat_data.restore(merge_chat_states(chat_data, theirs, base))

    def _read_failed(self, chat_id: int, why: str) -> None:
        # One warning a minute, not one per update of a flood.
        now = time.monotonic()
        level = logging.DEBUG if now - self._warned < WARN_EVERY else logging.WARNING
        if level == logging.WARNING:
            self._warned = now
        log.log(level, "state of chat %s not read, using memory: %s", chat_id, why)

    def _stuck_read_done(self, read: asyncio.Future[str | None]) -> None:
        self._stuck -= 1
        if not read.cancelled():
            read.exception()  # a read given up on: its error is not news

    async def update_chat_data(self, chat_id: int, data: ChatState) -> None:
        """Store a chat's state when it differs from what this process last saw stored."""
        text = chat_state_json(data)
        before = self._known.get(chat_id)
        if text == before or (before is None and data.is_empty()):
            return
        base = parse_chat_state(before) if before else None

        def change(stored: str | None) -> str:
            # Another process wrote since we last looked: merge, never overwrite its questions.
            theirs = parse_chat_state(stored) if stored and stored != before else None
            return (
                text if theirs is None else chat_state_json(merge_chat_states(data, theirs, base))
            )

        # Before the write: a refresh meanwhile must not take our own row for another's. Left
        # at ours even when the row became a merge: the next refresh then takes the merge in.
        self._known[chat_id] = text
        self._replacing[chat_id] = before
        now = self._clock()
        try:
            await self._writer().run(lambda store: store.update_chat_state(chat_id, change, now))
        except DATABASE_ERRORS as exc:
            # Memory keeps the state; the chat's next update marks it for saving again.
            if self._known.get(chat_id) == text:
                if before is None:
                    del self._known[chat_id]
                else:
                    self._known[chat_id] = before
            log.warning("state of chat %s not saved: %s", chat_id, exc)
        finally:
            self._replacing.pop(chat_id, None)

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget a chat's stored state."""
        self._known.pop(chat_id, None)
        try:
            await self._writer().run(lambda store: store.drop_chat_state(chat_id))
        except DATABASE_ERRORS as exc:
            log.warning("state of chat %s not dropped: %s", chat_id, exc)

    async def flush(self) -> None:
        """At shutdown, after PTB's last update: finish the writes, close the connection."""
        writes, self._writes = self._writes, None
        if writes is not None:
            await asyncio.to_thread(writes.close)
        readers, self._readers = self._readers, None
        if readers is not None:
            readers.shutdown(wait=False, cancel_futures=True)

    def _reader(self) -> ThreadPoolExecutor:
        if self._readers is None:
            self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="chat-state-read")
        return self._readers

    def _writer(self) -> StoreWrites:
        if self._writes is None:
            self._writes = StoreWrites(self._store)
        return self._writes

    # --- not stored: user data, bot data (the services), callback data, conversations ---

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict[Any, Any]:
        return {}

    async def update_conversation(self, name: str, key: Any, new_state: object | None) -> None:
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None
