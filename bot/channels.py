"""The optional ranking channels a deployment configures: embeddings and LLM query rewrites.

`attach_channels` is the one place the CLI and `serve` plug them into a library. Both channels
answer None on any failure, so the library ranks with BM25 alone; the helpers here keep a
failing service from flooding the log and remember recent answers (更多结果 re-asks a question).
Nothing here imports httpx: the default install (no endpoint) never loads an HTTP client.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Generic, TypeVar

from config.settings import Settings
from retrieval.library import Library

if TYPE_CHECKING:
    from bot.embeddings import EmbeddingChannel
    from bot.rewrite import LLMRewriter

log = logging.getLogger(__name__)
T = TypeVar("T")
WARN_EVERY = 60.0  # seconds between warnings about one failing service


def attach_channels(library: Library, settings: Settings, progress: bool = True) -> None:
    """Plug the configured semantic channel and LLM rewriter into the library, if any."""
    semantic = embedding_channel(library, settings, progress) if settings.embed_base_url else None
    rewriter = llm_rewriter(settings) if settings.llm_base_url and settings.llm_rewrite else None
    if semantic is not None or rewriter is not None:
        library.attach(semantic=semantic, rewriter=rewriter)


def embedding_channel(
    library: Library, settings: Settings, progress: bool = True
) -> EmbeddingChannel | None:
    """The channel over POLICYBOT_EMBED_*, or None (one warning) when clause vectors fail."""
    from bot.embeddings import EmbedConfig, EmbeddingChannel, EmbeddingClient, EmbeddingUnavailable

    if not settings.embed_base_url:
        return None
    key = settings.embed_api_key.get_secret_value() if settings.embed_api_key else None
    client = EmbeddingClient(EmbedConfig(settings.embed_base_url, key, settings.embed_model))
    cache_dir = settings.data_dir / "cache" / "embeddings"
    try:
        return EmbeddingChannel.prepare(library.clauses, client, cache_dir, progress)
    except EmbeddingUnavailable as exc:
        client.close()
        log.warning(
            "semantic channel off, answering with BM25 alone: clause vectors failed (%s)", exc
        )
        return None


def llm_rewriter(settings: Settings) -> LLMRewriter | None:
    """The rewriter over the POLICYBOT_LLM_* endpoint, or None when none is configured."""
    from bot.llm import llm_from_settings
    from bot.rewrite import LLMRewriter

    llm = llm_from_settings(settings)
    return LLMRewriter(llm.config) if llm is not None else None


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
