"""Typed per-chat state and the services handlers share."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.store import Store
from bot.summarize import LLMClient
from config.settings import Settings
from retrieval.library import Library

if TYPE_CHECKING:
    from bot.curator import Pending
    from bot.reload import Reloader

MAX_REMEMBERED = 20


@dataclass(slots=True)
class Asked:
    """A question whose further results can still be paged with 更多结果."""

    text: str
    shown: int


@dataclass(slots=True)
class ChatState:
    """What the bot remembers about one chat: the current document and recent questions."""

    doc_id: str | None = None
    asked: dict[int, Asked] = field(default_factory=dict)
    next_id: int = 1

    def remember(self, text: str, shown: int) -> int:
        """Keep a question for paging; returns its short id for callback data."""
        qid = self.next_id
        self.next_id += 1
        self.asked[qid] = Asked(text, shown)
        for old in sorted(self.asked)[:-MAX_REMEMBERED]:
            del self.asked[old]
        return qid


class RateLimiter:
    """Sliding-window limit of messages per user."""

    def __init__(self, limit: int = 12, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}

    def wait_time(self, user_id: int, now: float | None = None) -> float:
        """Seconds the user must wait; 0 records the message and lets it through."""
        now = time.monotonic() if now is None else now
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            return self.window - (now - seen[0])
        seen.append(now)
        return 0.0


@dataclass(slots=True)
class Services:
    """Everything handlers need, held once in bot_data."""

    library: Library
    settings: Settings
    store: Store
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    llm: LLMClient | None = None
    limiter: RateLimiter = field(default_factory=RateLimiter)
    blocked_chats: set[int] = field(default_factory=set)
    background: list[asyncio.Task[None]] = field(default_factory=list)
    reloader: Reloader | None = None
    pending: dict[str, Pending] = field(default_factory=dict)  # uploads and removals to confirm
