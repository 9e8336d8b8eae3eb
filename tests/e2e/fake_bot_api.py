"""A local Bot API server for end-to-end tests: real HTTP, real Bot API JSON shapes.

The bot reaches it exactly as it reaches Telegram (`{root}/bot<TOKEN>/<method>`). Tests play
users (messages, mentions, replies, button presses), read what the bot sent, and inject
Telegram errors (429 with retry_after, 403, 400). HTML is checked like Telegram checks it:
unknown or unbalanced tags are a 400 "can't parse entities", and the limit of 4096 characters
applies to the text after parsing. Once the bot calls setWebhook, the fake POSTs updates to
that URL with the secret header, as Telegram does, and getUpdates is a 409 Conflict. A test can
stand in for a load balancer in front of replicas: with `targets` set, each POST goes to the
next target in turn (a failed one is retried on the next at once), in place of the URL that
was set.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

import httpx

BOT = {
    "id": 999000,
    "is_bot": True,
    "first_name": "PolicyBot",
    "username": "policy_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "tg-emoji",
}
HARMLESS = {
    "setMyCommands",
    "sendChatAction",
    "close",
    "logOut",
    "deleteMyCommands",
    "setChatMenuButton",
}


class Failure(Exception):
    """An error the fake answers with, in Bot API shape."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


class _HtmlCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = f'Unexpected end tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> str:
    """Plain text of Telegram HTML, or Failure(400) as Telegram would answer."""
    if re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", text):
        raise Failure(400, "Bad Request: can't parse entities: unescaped &")
    checker = _HtmlCheck()
    checker.feed(text)
    checker.close()
    if checker.error or checker.stack:
        raise Failure(400, f"Bad Request: can't parse entities: {checker.error or 'unclosed'}")
    return "".join(checker.text)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram measures entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class FakeBotApi:
    """Server state: chats, messages, pending updates, recorded calls, planned failures."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    holds: list[tuple[str, str, float]] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id → (path, bytes)
    inline_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_update: int = 1
    next_message: int = 1
    cond: threading.Condition = field(default_factory=threading.Condition)
    webhook: dict[str, Any] | None = None  # setWebhook's parameters while one is set
    webhook_replies: list[int] = field(default_factory=list)  # HTTP status of each delivery
    targets: list[str] = field(default_factory=list)  # round-robin URLs in place of the webhook's
    deliveries: list[tuple[int, str, int]] = field(default_factory=list)  # (update, URL, status)
    next_target: int = 0

    # --- what tests do ---------------------------------------------------------------

    def user(self, user_id: int, name: str = "用户") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name}

    def private(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "type": "private", "first_name": "用户"}

    def group(self, chat_id: int, title: str = "工作群") -> dict[str, Any]:
        return {"id": chat_id, "type": "supergroup", "title": title}

    def send(
        self,
        chat: dict[str, Any],
        user: dict[str, Any],
        text: str,
        reply_to: dict[str, Any] | None = None,
        sender_chat: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A user posts a message; commands and @mentions get their entities."""
        with self.cond:
            message = {
                "message_id": self._message_id(),
                "date": int(time.time()),
                "chat": chat,
                "from": user,
                "text": text,
            }
            if sender_chat is not None:  # an anonymous admin posts as the group
                message["sender_chat"] = sender_chat
            entities = _entities(text)
            if entities:
                message["entities"] = entities
            if reply_to is not None:
                message["reply_to_message"] = reply_to
            self.messages[(chat["id"], message["message_id"])] = message
            self._push({"message": message})
            return message

    def press(self, message: dict[str, Any], data: str, user: dict[str, Any]) -> str:
        """A user presses an inline button under a bot message."""
        with self.cond:
            query_id = f"cq{self.next_update}"
            current = self.messages[(message["chat"]["id"], message["message_id"])]
            self._push(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": user,
                        "message": current,
                        "chat_instance": str(message["chat"]["id"]),
                        "data": data,
                    }
                }
            )
            return query_id

    def send_document(
        self, chat: dict[str, Any], user: dict[str, Any], name: str, data: bytes
    ) -> dict[str, Any]:
        """A user sends a file; the fake keeps its bytes for getFile and the download."""
        with self.cond:
            file_id = f"BQACAgI{len(self.files) + 1:04d}"
            suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
            self.files[file_id] = (f"documents/file_{len(self.files)}.{suffix}", data)
            message = {
                "message_id": self._message_id(),
                "date": int(time.time()),
                "chat": chat,
                "from": user,
                "document": {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "file_name": name,
                    "file_size": len(data),
                },
            }
            self.messages[(chat["id"], message["message_id"])] = message
            self._push({"message": message})
            return message

    def inline(self, user: dict[str, Any], query: str, offset: str = "") -> str:
        """A user types `@bot query` in some chat; returns the inline query id."""
        with self.cond:
            query_id = f"iq{self.next_update}"
            self._push(
                {
                    "inline_query": {
                        "id": query_id,
                        "from": user,
                        "query": query,
                        "offset": offset,
                        "chat_type": "supergroup",
                    }
                }
            )
            return query_id

    def choose(
        self, chat: dict[str, Any], user: dict[str, Any], query_id: str, result_id: str
    ) -> dict[str, Any]:
        """The user picks an inline result: Telegram posts its message as the user, via the bot."""
        with self.cond:
            result = next(
                r for r in self.inline_answers[query_id]["results"] if r["id"] == result_id
            )
            content = result["input_message_content"]
            text, raw = self._render(
                {"text": content["message_text"], "parse_mode": content.get("parse_mode")}
            )
            message = {
                "message_id": self._message_id(),
                "date": int(time.time()),
                "chat": chat,
                "from": user,
                "via_bot": BOT,
                "text": text,
                "html": raw,
            }
            self.messages[(chat["id"], message["message_id"])] = message
            return message

    def fail_next(
        self,
        method: str,
        code: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        with self.cond:
            self.failures.setdefault(method, []).extend(
                Failure(code, description, retry_after) for _ in range(times)
            )

    def hold(self, method: str, containing: str, seconds: float) -> None:
        """Delay calls whose text contains a marker (to kill the bot mid-send)."""
        with self.cond:
            self.holds.append((method, containing, seconds))

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (current versions, edits applied), oldest first."""
        with self.cond:
            return [
                m
                for (cid, _), m in sorted(self.messages.items(), key=lambda kv: kv[0][1])
                if m["from"]["id"] == BOT["id"] and (chat_id is None or cid == chat_id)
            ]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self.cond:
            return [params for name, params in self.calls if name == method]

    # --- the Bot API ----------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        with self.cond:
            self.calls.append((method, params))
            planned = self.failures.get(method)
            if planned:
                raise planned.pop(0)
            delay = next(
                (
                    sec
                    for m, marker, sec in self.holds
                    if m == method and marker in str(params.get("text", ""))
                ),
                0.0,
            )
            if delay:
                self.held.append(params)
        if delay:
            time.sleep(delay)
        if method == "getUpdates":
            return self._get_updates(params)
        with self.cond:
            if method == "getMe":
                return BOT
            if method == "setWebhook":
                self.webhook = params
                self.cond.notify_all()
                return True
            if method == "deleteWebhook":
                self.webhook = None
                return True
            if method in HARMLESS:
                return True
            if method == "sendMessage":
                return self._send_message(params)
            if method == "editMessageText":
                return self._edit(params, text=True)
            if method == "editMessageReplyMarkup":
                return self._edit(params, text=False)
            if method == "answerCallbackQuery":
                return True
            if method == "getFile":
                return self._get_file(params)
            if method == "answerInlineQuery":
                return self._answer_inline(params)
            if method == "getChatMember":
                status = self.members.get(
                    (int(params["chat_id"]), int(params["user_id"])), "member"
                )
                return _member(status, self.user(int(params["user_id"])))
        raise Failure(400, f"Bad Request: method {method} not supported by the fake")

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update as given (e.g. as an older Bot API server would send it)."""
        with self.cond:
            self._push(update)

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = self.next_update
        self.next_update += 1
        self.updates.append(update)
        self.cond.notify_all()

    def _message_id(self) -> int:
        self.next_message += 1
        return self.next_message

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise Failure(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        with self.cond:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            return list(self.updates[: int(params.get("limit") or 100)])

    def deliver_webhook(self, stop: threading.Event) -> None:
        """Like Telegram while a webhook is set: POST each update, oldest first, with the
        secret header; an update stays queued (and is retried) until the bot answers 200."""
        failed = 0  # failed POSTs in a row
        with httpx.Client(trust_env=False, timeout=10) as client:
            while not stop.is_set():
                with self.cond:
                    if self.webhook is None or not self.updates:
                        self.cond.wait(0.2)
                        continue
                    hook, update = dict(self.webhook), self.updates[0]
                    url = str(hook["url"])
                    if self.targets:  # a load balancer: the next replica, whatever came before
                        url = self.targets[self.next_target % len(self.targets)]
                        self.next_target += 1
                headers = {"Content-Type": "application/json"}
                if hook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = str(hook["secret_token"])
                try:
                    status = client.post(url, json=update, headers=headers).status_code
                except httpx.HTTPError:
                    status = 0
                with self.cond:
                    self.webhook_replies.append(status)
                    self.deliveries.append((int(update["update_id"]), url, status))
                    if status == 200 and self.updates and self.updates[0] is update:
                        self.updates.pop(0)
                # As a proxy (nginx's proxy_next_upstream), the next replica is tried at
                # once; only when every one failed in turn does it wait, as Telegram would.
                failed = 0 if status == 200 else failed + 1
                if failed and failed % max(1, len(self.targets)) == 0:
                    stop.wait(0.2)

    def _render(self, params: dict[str, Any]) -> tuple[str, str]:
        raw = str(params.get("text", ""))
        text = parse_html(raw) if params.get("parse_mode") == "HTML" else raw
        if not text.strip():
            raise Failure(400, "Bad Request: message text is empty")
        if utf16_len(text) > 4096:
            raise Failure(400, "Bad Request: message is too long")
        return text, raw

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text, raw = self._render(params)
        chat = next(
            (m["chat"] for (cid, _), m in self.messages.items() if cid == chat_id),
            {"id": chat_id, "type": "private", "first_name": "用户"},
        )
        message: dict[str, Any] = {
            "message_id": self._message_id(),
            "date": int(time.time()),
            "chat": chat,
            "from": BOT,
            "text": text,
            "html": raw,
            "sent_at": time.monotonic(),
        }
        reply = params.get("reply_parameters") or {}
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_id = reply_id or params.get("reply_to_message_id")
        if reply_id is not None:
            original = self.messages.get((chat_id, int(reply_id)))
            if original is not None:
                message["reply_to_message"] = original
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise Failure(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        if len(data) > 20 * 1024 * 1024:  # the cloud Bot API's download limit
            raise Failure(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(data),
            "file_path": path,
        }

    def download(self, path: str) -> bytes | None:
        """The bytes served at {root}/file/bot<TOKEN>/<path>, as Telegram serves files."""
        with self.cond:
            self.calls.append(("download", {"path": path}))
            return next((data for p, data in self.files.values() if p == path), None)

    def _answer_inline(self, params: dict[str, Any]) -> bool:
        """Validated like Telegram: at most 50 results, unique ids of 1–64 bytes, valid text."""
        results = params.get("results") or []
        if len(results) > 50:
            raise Failure(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if any(not 1 <= len(i.encode("utf-8")) <= 64 for i in ids):
            raise Failure(400, "Bad Request: RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise Failure(400, "Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            content = result.get("input_message_content") or {}
            if not result.get("title") or "message_text" not in content:
                raise Failure(400, "Bad Request: RESULT_INVALID")
            self._render(
                {"text": content["message_text"], "parse_mode": content.get("parse_mode")}
            )
        self.inline_answers[str(params["inline_query_id"])] = params
        return True

    def _edit(self, params: dict[str, Any], text: bool) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            raise Failure(400, "Bad Request: message to edit not found")
        updated = dict(message)
        if text:
            updated["text"], updated["html"] = self._render(params)
        markup = params.get("reply_markup")
        if markup:
            updated["reply_markup"] = markup
        else:
            updated.pop("reply_markup", None)
        if updated == message:
            raise Failure(400, "Bad Request: message is not modified")
        self.messages[key] = updated
        return updated


ADMIN_RIGHTS = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


def _member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember in the shape Telegram returns for the status."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(dict.fromkeys(ADMIN_RIGHTS, False))
    return member


def _entities(text: str) -> list[dict[str, Any]]:
    entities = []
    for match in re.finditer(r"(?:^/[A-Za-z0-9_]+(?:@\w+)?)|@\w+", text):
        kind = "bot_command" if match.group(0).startswith("/") else "mention"
        entities.append(
            {
                "type": kind,
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities


def _decode(value: str) -> Any:
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class _Handler(BaseHTTPRequestHandler):
    api: FakeBotApi

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        path = urlparse(self.path).path
        download = re.match(r"^/file/bot[^/]+/(.+)$", path)
        if download:
            self._file(download.group(1))
            return
        match = re.match(r"^/bot[^/]+/(\w+)$", path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        if self.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(body or "{}")
        else:
            params = {k: _decode(v) for k, v in parse_qsl(body, keep_blank_values=True)}
        if not match:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        if "INVALID" in path:
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        try:
            result = self.api.handle(match.group(1), params)
        except Failure as failure:
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": failure.code,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                payload["parameters"] = {"retry_after": failure.retry_after}
            self._reply(failure.code, payload)
            return
        self._reply(200, {"ok": True, "result": result})

    do_GET = do_POST  # noqa: N815

    def _file(self, file_path: str) -> None:
        data = self.api.download(file_path)
        if data is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        # The bot may stop polling mid-request at shutdown.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class FakeServer:
    """The fake on 127.0.0.1 with a free port, served from a thread."""

    def __init__(self) -> None:
        self.api = FakeBotApi()
        handler = type("Handler", (_Handler,), {"api": self.api})
        # A burst of bot requests overflows http.server's default listen backlog of 5.
        server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 256})
        self.httpd = server_class(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.root = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._stop = threading.Event()
        self.pusher = threading.Thread(
            target=self.api.deliver_webhook, args=(self._stop,), daemon=True
        )

    def __enter__(self) -> FakeServer:
        self.thread.start()
        self.pusher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.pusher.join(timeout=15)
        with self.api.cond:
            self.api.cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.e2e.fake_bot_api QUESTION MARK`: serve on 127.0.0.1 (the root URL is
    the first line out), ask QUESTION once a bot is there, then say `ok: …` when its answer
    holds MARK, else `fail: …`; go on serving (the bot's stop) until killed.

    scripts/check-image.sh runs it on the host for the container's `serve`."""
    import sys

    question, mark = (argv if argv is not None else sys.argv[1:])[:2]

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    with FakeServer() as server:
        say(server.root)
        say(_ask_once(server.api, question, mark))
        threading.Event().wait()  # until SIGTERM or SIGINT
    return 0


def _ask_once(api: FakeBotApi, question: str, mark: str) -> str:
    deadline = time.monotonic() + 180
    while api.webhook is None and not api.calls_of("getUpdates"):
        if time.monotonic() > deadline:
            return "fail: no bot called setWebhook or getUpdates"
        time.sleep(0.1)
    api.send(api.private(42), api.user(42), question)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if replies := api.sent(42):
            text = str(replies[0]["text"])
            return f"{'ok' if mark in text else 'fail'}: {text.splitlines()[0]}"
        time.sleep(0.1)
    return "fail: no answer within 60 s"


if __name__ == "__main__":
    raise SystemExit(main())

__all__ = ["BOT", "FakeServer", "html", "parse_html"]
