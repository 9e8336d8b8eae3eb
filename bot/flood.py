"""A per-user flood gate: answer, send one notice a window, or drop."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one message: answer it, send the one notice, or drop it silently."""

    action: Literal["answer", "notice", "drop"]
    wait: float = 0.0


class FloodGate:
    """Sliding-window limit of messages per user, with at most one notice per window."""

    def __init__(self, limit: int = 12, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}
        self._noticed: dict[int, float] = {}

    def check(self, user_id: int, now: float | None = None) -> Verdict:
        """Record an answered message, or say whether this over-limit one gets the notice."""
        now = time.monotonic() if now is None else now
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(now)
            return Verdict("answer")
        wait = self.window - (now - seen[0])
        if now - self._noticed.get(user_id, -self.window) < self.window:
            return Verdict("drop", wait)
        self._noticed[user_id] = now
        return Verdict("notice", wait)
