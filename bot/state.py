"""Typed per-chat state and the services handlers share."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from bot.endpoints.llm import LLMClient
from bot.flood import FloodGate
from bot.store.store import Store
from bot.store.writes import StoreWrites
from config.settings import Settings
from retrieval.library import Library

if TYPE_CHECKING:
    from bot.upkeep.building import Change
    from bot.upkeep.curator import Pending

MAX_REMEMBERED = 20


@dataclass(slots=True)
class Asked:
    """A question whose further results can still be paged with 更多结果."""

    text: str
    shown: int


@dataclass(slots=True)
class ChatState:
    """What the bot remembers about one chat: the current document and recent questions.

    Kept in the store (bot/telegram/persistence.py), so it outlives a restart and replicas
    sharing the database see each other's questions; `asked` is oldest first."""

    doc_id: str | None = None
    asked: dict[int, Asked] = field(default_factory=dict)

    def remember(self, text: str, shown: int) -> int:
        """Keep a question for paging; returns its short id for callback data."""
        # Random, not counted: two replicas adding questions to one chat at once never give
        # two questions one id, and a button from a forgotten question finds nothing to page.
        qid = secrets.randbelow(1 << 30) + 1
        while qid in self.asked:
            qid = secrets.randbelow(1 << 30) + 1
        self.asked[qid] = Asked(text, shown)
        _forget_oldest(self.asked)
        return qid

    def restore(self, other: ChatState) -> None:
        """Take on another state's contents, in place (PTB holds this object per chat)."""
        self.doc_id, self.asked = other.doc_id, other.asked

    def is_empty(self) -> bool:
        """Whether there is nothing worth keeping: no document and no question."""
        return self.doc_id is None and not self.asked


def merge_chat_states(ours: ChatState, theirs: ChatState, base: ChatState | None) -> ChatState:
    """One chat changed here and by another process since `base` (what both last shared).

    Questions from both are kept (the further paged of each, then the oldest forgotten); the
    document is ours if we moved to it since `base`, else theirs."""
    moved_here = ours.doc_id is not None and (base is None or ours.doc_id != base.doc_id)
    asked = dict(theirs.asked)
    for qid, mine in ours.asked.items():
        other = asked.get(qid)
        asked[qid] = mine if other is None or mine.shown >= other.shown else other
    _forget_oldest(asked)
    return ChatState(ours.doc_id if moved_here else theirs.doc_id, asked)


def _forget_oldest(asked: dict[int, Asked]) -> None:
    while len(asked) > MAX_REMEMBERED:
        del asked[next(iter(asked))]


STATE_VERSION = 1  # of the JSON below; another version reads as unreadable


def chat_state_json(state: ChatState) -> str:
    """The state as JSON for the store (never pickle: a stored row must not run code)."""
    asked = [[qid, a.text, a.shown] for qid, a in state.asked.items()]  # oldest first
    data = {"v": STATE_VERSION, "doc_id": state.doc_id, "asked": asked}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def parse_chat_state(text: str) -> ChatState | None:
    """A stored state, or None when it is corrupt or of an unknown version (never an error)."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            return None
        doc_id = data["doc_id"]
        if doc_id is not None and not isinstance(doc_id, str):
            return None
        asked = {_count(q): Asked(_text(t), _count(n)) for q, t, n in data["asked"]}
        return ChatState(doc_id, asked)
    except (ValueError, TypeError, KeyError):  # json's errors are ValueErrors
        return None


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"not a count: {value!r}")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not text: {value!r}")
    return value


class Reindexer(Protocol):
    """The corpus watcher (bot/upkeep/reload.py's Reloader), as services hold it: that module works
    on the services, so they name what they need of it rather than import it."""

    async def watch(self) -> None:
        """Poll the corpus directory, re-indexing when it changed, until cancelled."""

    async def reload(self) -> Change:
        """Re-index the corpus now and answer from the result."""


@dataclass(slots=True)
class Services:
    """Everything handlers need, held once in bot_data."""

    library: Library
    settings: Settings
    store: Store
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    llm: LLMClient | None = None
    flood_gate: FloodGate = field(default_factory=FloodGate)
    blocked_chats: set[int] = field(default_factory=set)
    background: list[asyncio.Task[None]] = field(default_factory=list)
    reloader: Reindexer | None = None
    pending: dict[str, Pending] = field(default_factory=dict)  # uploads and removals to confirm
    stopping: bool = False  # set at shutdown: digests pause between parts
    writes: StoreWrites = field(init=False)  # handlers' writes, off the event loop

    def __post_init__(self) -> None:
        self.writes = StoreWrites(self.store)
