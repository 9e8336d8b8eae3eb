"""Embeddings from an OpenAI-compatible /embeddings endpoint, and the semantic channel on them.

Clause vectors are computed once, in batches, and cached on disk by model and text hash, so a
changed corpus embeds only its new texts. A query is embedded within a short deadline; when
the endpoint is down, slow or answers garbage, `rank` is None and the library uses BM25 alone.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from bot import metrics, texts
from bot.endpoints.shared import (
    FailureLog,
    Memo,
    auth_headers,
    is_retryable,
    on_event_loop,
    retry_delay,
)
from bot.endpoints.vectors import VectorCache, Vectors, text_key
from retrieval.model import Clause

log = logging.getLogger(__name__)
BATCH_SIZE = 64  # texts per request: what vLLM, Ollama and Xinference take comfortably
BATCH_TIMEOUT = 120.0  # seconds for one batch of clause texts (a model on a CPU is slow)
CONNECT_TIMEOUT = 5.0
QUERY_DEADLINE = 1.5  # seconds for a query vector: an answer never waits longer for it
MAX_TEXT_CHARS = 2000  # cut longer texts: many embedding models take 512 tokens at most


class EmbeddingUnavailable(Exception):
    """No vectors this time (the reason is for logs, not users)."""


@dataclass(frozen=True, slots=True)
class EmbedConfig:
    """Where and with which model to ask for embeddings."""

    base_url: str
    api_key: str | None
    model: str


class EmbeddingClient:
    """POST {base_url}/embeddings over one pooled, thread-safe httpx.Client."""

    def __init__(self, config: EmbedConfig, transport: httpx.BaseTransport | None = None):
        self.config = config
        self._http = httpx.Client(
            base_url=config.base_url,
            headers=auth_headers(config.api_key),
            transport=transport,
        )
        weakref.finalize(self, self._http.close)  # pooled sockets never leak unclosed

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def embed(self, inputs: Sequence[str], deadline: float, retry: bool = False) -> np.ndarray:
        """Unit vectors of the inputs, a row each, within `deadline` seconds per attempt."""
        try:
            return self._embed(inputs, deadline, retry)
        except EmbeddingUnavailable:
            metrics.EMBEDDING_FAILURES.inc()
            raise

    def _embed(self, inputs: Sequence[str], deadline: float, retry: bool) -> np.ndarray:
        for attempt in (1, 2):
            try:
                status, body, delay = self._post(inputs, deadline)
            except httpx.HTTPError as exc:
                raise EmbeddingUnavailable(f"{type(exc).__name__}: {exc}") from exc
            if status < 400:
                return parse_vectors(body, len(inputs))
            if not retry or attempt == 2 or delay is None:
                raise EmbeddingUnavailable(f"HTTP {status}")
            time.sleep(delay)
        raise EmbeddingUnavailable("unreachable")

    def _post(self, inputs: Sequence[str], deadline: float) -> tuple[int, bytes, float | None]:
        """Status, body, and for a 429 or 5xx the delay before a retry."""
        started = time.monotonic()
        # httpx times each read, not the whole response: the body is read against the clock too.
        timeout = httpx.Timeout(deadline, connect=min(deadline, CONNECT_TIMEOUT))
        payload = {"model": self.config.model, "input": list(inputs)}
        with self._http.stream("POST", "/embeddings", json=payload, timeout=timeout) as response:
            if response.status_code >= 400:
                delay = retry_delay(response) if is_retryable(response) else None
                return response.status_code, b"", delay
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if time.monotonic() - started > deadline:
                    raise EmbeddingUnavailable(f"no answer within {deadline:g} s")
            return response.status_code, bytes(body), None


def parse_vectors(body: bytes, count: int) -> np.ndarray:
    """The `count` embeddings of an OpenAI-style response, in input order, L2-normalised."""
    try:
        items = json.loads(body)["data"]
        ordered = sorted(
            ((item.get("index", n), item["embedding"]) for n, item in enumerate(items)),
            key=lambda pair: pair[0],
        )
        matrix = np.asarray([vector for _, vector in ordered], dtype=np.float64)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EmbeddingUnavailable("malformed embeddings response") from exc
    if [index for index, _ in ordered] != list(range(count)):
        raise EmbeddingUnavailable(f"{len(ordered)} vectors for {count} inputs")
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise EmbeddingUnavailable("malformed embeddings response")
    with np.errstate(all="ignore"):
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        unit: np.ndarray = (matrix / norms).astype(np.float32)
    if not np.isfinite(unit).all():
        raise EmbeddingUnavailable("a vector is zero, NaN or infinite")
    return unit


def clause_text(clause: Clause) -> str:
    """What is embedded for a clause: its heading and its text."""
    text = f"{clause.heading}\n{clause.text}" if clause.heading else clause.text
    return (text.strip() or clause.label)[:MAX_TEXT_CHARS]


class EmbeddingChannel:
    """Ranks clauses by the cosine of their vectors with the query's (a SemanticChannel)."""

    def __init__(
        self, client: EmbeddingClient, matrix: np.ndarray, deadline: float = QUERY_DEADLINE
    ) -> None:
        self.client = client
        self.matrix = matrix  # unit rows in library.clauses order
        self.deadline = deadline
        self._memo: Memo[np.ndarray] = Memo()
        self._failures = FailureLog(f"embeddings endpoint {client.config.base_url}")

    @classmethod
    def prepare(
        cls,
        clauses: Sequence[Clause],
        client: EmbeddingClient,
        cache_dir: Path,
        progress: bool = True,
        batch_size: int = BATCH_SIZE,
        deadline: float = QUERY_DEADLINE,
    ) -> EmbeddingChannel:
        """The channel over the clauses' vectors, cached or embedded now; EmbeddingUnavailable."""
        embedded = [clause_text(c) for c in clauses]
        keys = [text_key(text) for text in embedded]
        wanted = dict(zip(keys, embedded, strict=True))
        cache = VectorCache(cache_dir, client.config.model)
        vectors = _complete(cache, wanted, client, progress, batch_size)
        return cls(client, vectors.subset(keys).matrix, deadline)

    def rank(self, query: str, k: int) -> list[int] | None:
        """Clause positions by similarity, best first; None when the query can't be embedded."""
        scored = self.scored(query, k)
        return None if scored is None else [position for position, _ in scored]

    def scored(self, query: str, k: int) -> list[tuple[int, float]] | None:
        """The k most similar clauses as (position, cosine), best first, or None."""
        vector = self.query_vector(query)
        if vector is None:
            return None
        similarities = self.matrix @ vector
        k = min(k, len(similarities))
        if k <= 0:
            return []
        top = np.argpartition(-similarities, k - 1)[:k]
        top = top[np.argsort(-similarities[top], kind="stable")]
        return [(int(p), float(similarities[p])) for p in top]

    def query_vector(self, query: str) -> np.ndarray | None:
        """The query's unit vector within the deadline (remembered), or None."""
        text = query.strip()[:MAX_TEXT_CHARS]
        if not text:
            return None
        known = self._memo.get(text)
        if known is not None:
            return known
        if on_event_loop():
            self._failures.warn("called on the event loop; search in a worker thread")
            return None
        try:
            vector: np.ndarray = self.client.embed([text], self.deadline)[0]
        except EmbeddingUnavailable as exc:
            self._failures.warn(str(exc))
            return None
        if vector.shape[0] != self.matrix.shape[1]:
            self._failures.warn(
                f"{vector.shape[0]}-d query vector, {self.matrix.shape[1]}-d clauses"
            )
            return None
        self._memo.put(text, vector)
        return vector


def _complete(
    cache: VectorCache,
    wanted: dict[str, str],
    client: EmbeddingClient,
    progress: bool,
    batch_size: int,
) -> Vectors:
    """The wanted texts' vectors: cached ones, the rest embedded now; the cache is updated."""
    stored, fresh = cache.load(), Vectors.empty()
    try:
        for _ in range(2):  # a second pass only when the model's dimension changed
            have = set(stored.keys) | set(fresh.keys)
            missing = [key for key in wanted if key not in have]
            if missing:
                log.info(
                    "embedding %d of %d texts with %s", len(missing), len(wanted), cache.model
                )
            for batch in _batches(missing, wanted, client, progress, batch_size):
                if fresh.dim not in (None, batch.dim):
                    raise EmbeddingUnavailable("vectors of different dimensions")
                fresh = fresh.plus(batch)
                if stored.dim not in (None, fresh.dim):
                    log.warning("%s changed its dimension: re-embedding everything", cache.model)
                    stored = Vectors.empty()
                    break
            else:
                break
    except BaseException:
        if fresh.keys:  # keep what was computed: the next start resumes from there
            cache.save(stored.plus(fresh))
        raise
    vectors = stored.plus(fresh).subset(list(wanted))
    if fresh.keys or len(vectors.keys) < len(stored.keys):
        cache.save(vectors)  # new texts in, texts no longer in the corpus out
    return vectors


def _batches(
    keys: list[str],
    wanted: dict[str, str],
    client: EmbeddingClient,
    progress: bool,
    batch_size: int,
) -> Iterator[Vectors]:
    """The missing vectors, a request per batch, with a progress bar on stderr."""
    from tqdm import tqdm

    if not keys:
        return
    with tqdm(
        total=len(keys),
        unit="条",
        desc=texts.EMBED_PROGRESS,
        file=sys.stderr,
        disable=not progress,
    ) as bar:
        for start in range(0, len(keys), batch_size):
            batch = keys[start : start + batch_size]
            matrix = client.embed([wanted[k] for k in batch], BATCH_TIMEOUT, retry=True)
            bar.update(len(batch))
            yield Vectors(tuple(batch), matrix)
