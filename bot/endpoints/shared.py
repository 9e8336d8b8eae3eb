"""What the clients of OpenAI-compatible endpoints (chat completions, embeddings) share.

A failing service is warned about at most once a minute, recent answers are remembered
(更多结果 asks a question again), a blocking call on the event loop is refused, and a
rate-limited or failing request is tried once more after a short wait. Nothing here imports
httpx at run time: endpoints/channels.py and the CLI load it only when an endpoint is configured.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
T = TypeVar("T")
WARN_EVERY = 60.0  # seconds between warnings about one failing service


def auth_headers(api_key: str | None) -> dict[str, str]:
    """The Bearer authorization header of an OpenAI-compatible endpoint, if it wants a key."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def is_retryable(response: httpx.Response) -> bool:
    """Rate-limited or a server error: worth one more try."""
    return response.status_code == 429 or response.status_code >= 500


def retry_delay(response: httpx.Response) -> float:
    """Seconds to wait before the one retry: Retry-After, kept within 0.2–2 s."""
    try:
        return min(2.0, max(0.2, float(response.headers.get("Retry-After", "0.5"))))
    except ValueError:
        return 0.5


def on_event_loop() -> bool:
    """Whether this thread runs an event loop (a blocking call here would stall the bot)."""
    import asyncio  # imported by the bot anyway; `policybot ask` starts without it

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class FailureLog:
    """Warns about a failing service at most once every WARN_EVERY seconds, with a count."""

    def __init__(self, service: str, interval: float = WARN_EVERY) -> None:
        self.service = service
        self.interval = interval
        self._lock = threading.Lock()
        self._last: float | None = None
        self._unreported = 0

    def warn(self, reason: str) -> None:
        """Record one failure; log it unless another was logged less than `interval` ago."""
        with self._lock:
            now = time.monotonic()
            self._unreported += 1
            if self._last is not None and now - self._last < self.interval:
                return
            count, self._unreported, self._last = self._unreported, 0, now
        log.warning(
            "%s unavailable (%s), answering with BM25 alone%s",
            self.service,
            reason,
            f"; {count} failures since the last warning" if count > 1 else "",
        )


class Memo(Generic[T]):
    """A small thread-safe LRU map of recent successful answers (query vectors, rewrites)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> T | None:
        """The remembered value, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: T) -> None:
        """Remember a value, forgetting the least recently used beyond `size`."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
