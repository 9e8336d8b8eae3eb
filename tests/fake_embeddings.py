"""A local OpenAI-compatible /v1/embeddings server for tests, one behaviour per route.

The first path segment picks the behaviour (`url("slow")` → http://127.0.0.1:PORT/slow/v1):
ok, reversed (data in reverse order, with indexes), slow (3 s), e500, e429-once, garbage (not
JSON), wrong-dim, nan, short (one vector too few). The model is deterministic: hashed character
bigrams, L2-normalised, DIM dimensions, whatever the model name. Every request is recorded.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIM = 256


def fake_vector(text: str, dim: int = DIM) -> list[float]:
    """Bag of hashed character bigrams: texts sharing words get similar vectors."""
    counts = [0.0] * dim
    chars = [c for c in text if not c.isspace()]
    for pair in zip(chars, chars[1:], strict=False):
        digest = hashlib.blake2b("".join(pair).encode(), digest_size=4).digest()
        counts[int.from_bytes(digest, "big") % dim] += 1.0
    if not any(counts) and chars:
        counts[ord(chars[0]) % dim] = 1.0
    norm = math.sqrt(sum(c * c for c in counts)) or 1.0
    return [c / norm for c in counts]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        route = self.path.strip("/").split("/")[0]
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        with self.server.lock:
            self.server.requests.append(
                {
                    "route": route,
                    "path": self.path,
                    "body": body,
                    "inputs": inputs,
                    "auth": self.headers.get("Authorization"),
                }
            )
            count = self.server.counts[route] = self.server.counts.get(route, 0) + 1
        if not self.path.endswith("/v1/embeddings"):
            self._json(404, {"error": {"message": "not found"}})
        elif route == "slow":
            time.sleep(3)
            self._embeddings(body["model"], inputs)
        elif route == "e500":
            self._json(500, {"error": {"message": "boom"}})
        elif route == "e429-once" and count == 1:
            self._json(429, {"error": {"message": "rate limited"}}, {"Retry-After": "0.2"})
        elif route == "garbage":
            self._raw(200, b"<html>not json</html>", "text/html")
        else:
            self._embeddings(body["model"], inputs, route)

    def _embeddings(self, model: str, inputs: list[str], route: str = "ok") -> None:
        vectors = [fake_vector(text) for text in inputs]
        if route == "wrong-dim":
            vectors = [v[:17] for v in vectors]
        elif route == "nan":
            vectors[0][0] = math.nan
        elif route == "short":
            vectors = vectors[:-1]
        data = [{"object": "embedding", "index": n, "embedding": v} for n, v in enumerate(vectors)]
        if route == "reversed":
            data.reverse()
        payload = {"object": "list", "data": data, "model": model, "usage": {"total_tokens": 1}}
        self._json(200, payload)

    def _json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()  # NaN is written as NaN
        self._raw(status, data, "application/json", headers)

    def _raw(
        self, status: int, data: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}


class FakeEmbeddings:
    """The server on a free 127.0.0.1 port; `url(route)` ends in /v1 like real endpoints."""

    def __init__(self) -> None:
        self.httpd = _Server()
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, route: str = "ok") -> str:
        """The base URL of a behaviour."""
        return f"http://127.0.0.1:{self.port}/{route}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.httpd.requests

    def __enter__(self) -> FakeEmbeddings:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
