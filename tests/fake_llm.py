"""A local OpenAI-compatible chat-completions server for tests, one behaviour per model name.

ok, quote (quotes clause [1] verbatim), fake-quote, uncited, bad-cite, slow, stall (answers after
STALL seconds), e500, e429,
e429-once, e400, garbage, empty, stream, stream-cut, rewrite (a labelled restatement of the
<question> plus a second line), restate and restate-slow (the <question> with colloquial phrases
put in policy wording from a small table; -slow after one second), the inventions
(invent-article, invent-figure, invent-corner, invent-single, invent-title: cited, but naming
what no clause says) and long (well over 600 characters, every sentence grounded). Every
request body is recorded.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GROUNDED = "该条款对此作了明确要求[1]。相关工作要依法依规推进[1]。"
# What a model restating questions in policy wording does to a few everyday phrases.
POLICY_WORDING = {
    "领导": "政府",
    "拍脑袋做决定": "用大数据辅助决策",
    "咋": "如何",
    "网上搞": "网上办理",
}
RESTATE_DELAY = 1.0  # seconds, restate-slow
STALL = 30.0  # seconds, stall: longer than any stop may take


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        with self.server.lock:
            self.server.requests.append(
                {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
            )
            count = self.server.counts[body["model"]] = (
                self.server.counts.get(body["model"], 0) + 1
            )
        model = body["model"]
        if not self.path.endswith("/chat/completions"):
            self._json(404, {"error": {"message": "not found"}})
        elif model == "slow":
            time.sleep(3)
            self._completion(GROUNDED)
        elif model == "stall":
            time.sleep(STALL)
            self._completion(GROUNDED)
        elif model == "restate-slow":
            time.sleep(RESTATE_DELAY)
            self._completion(_content("restate", body))
        elif model == "e500":
            self._json(500, {"error": {"message": "boom"}})
        elif model == "e429" or (model == "e429-once" and count == 1):
            self._json(429, {"error": {"message": "rate limited"}}, {"Retry-After": "0.2"})
        elif model == "e400":
            self._json(400, {"error": {"message": "bad request"}})
        elif model == "garbage":
            self._raw(200, b"<html>not json</html>", "text/html")
        elif model.startswith("stream"):
            self._stream(cut=model == "stream-cut", invent=model == "stream-invent")
        else:
            self._completion(_content(model, body))

    def _completion(self, content: str) -> None:
        self._json(
            200,
            {
                "id": "c1",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            },
        )

    def _stream(self, cut: bool, invent: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        pieces = ["该条款", "对此作了", "明确要求[1]。", "相关工作", "要依法依规推进[1]。"]
        if invent:  # the second sentence names an article no clause has
            pieces = [
                "该条款",
                "对此作了",
                "明确要求[1]。",
                "具体",
                "见第九十九条[1]。",
                "其余",
                "从略。",
            ]
        for n, piece in enumerate(pieces):
            if cut and n == 3:
                self.wfile.flush()
                self.close_connection = True
                return
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
            time.sleep(0.35)
        done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()

    def _json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
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


def _content(model: str, body: dict[str, Any]) -> str:
    user = body["messages"][-1]["content"]
    if model == "rewrite":
        asked = re.search(r"<question>(.*)</question>", user)
        question = json.loads(asked.group(1)) if asked else ""
        return f"改写：“{question.replace('咋', '如何')}的有关规定”\n这样检索更容易命中条款。"
    if model == "restate":
        asked = re.search(r"<question>(.*)</question>", user)
        question = json.loads(asked.group(1)) if asked else ""
        for everyday, policy in POLICY_WORDING.items():
            question = question.replace(everyday, policy)
        return question
    if model == "quote":
        first = re.search(r"\[1\][^\n]*\n([^\n]{12})", user)
        return f"条款明确提出“{first.group(1) if first else ''}”[1]。"
    return {
        "fake-quote": "条款明确提出“所有企业必须上缴全部数据”[1]。",
        "uncited": "这是一个没有依据的总结。",
        "bad-cite": "条款要求加强管理[7]。",
        "empty": "",
        "invent-article": "该条款对此作了明确要求[1]，具体见第九十九条。",
        "invent-figure": "违反规定的，处罚款一亿元[1]。",
        "invent-corner": "条款要求「所有公共数据一律无条件公开」[1]。",
        "invent-single": "条款要求‘所有公共数据一律无条件公开’[1]。",
        "invent-title": "依据《公共数据无条件公开办法》[1]，运营情况都要公开。",
        "long": GROUNDED * 30,
    }.get(model, GROUNDED)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}


class FakeLLM:
    """The server on a free 127.0.0.1 port; `base_url` ends in /v1 like real endpoints."""

    def __init__(self) -> None:
        self.httpd = _Server()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.httpd.requests

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
