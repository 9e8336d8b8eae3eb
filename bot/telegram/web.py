"""The bot's HTTP side: Telegram's webhook, /healthz and /metrics, on one tornado server.

PTB's own webhook server (also tornado) serves only the webhook path, so the webhook route here
follows PTB's documented custom-webhook pattern: check Telegram's secret header, then hand the
update to the Application's update queue, exactly where PTB's server would put it.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import json
import logging
import os
import re
import resource
import socket
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlparse

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream

from bot import texts
from bot.state import Services

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 2.0  # seconds the database has to answer /healthz
INDEX_NOT_LOADED = "index not loaded"
STOPPING = "stopping"
PING_WAIT = 0.5  # seconds for a pooled PostgreSQL connection before a fresh one says why not
HEALTH_INTERVAL = 2.0  # seconds between the checks that open or close the webhook path
MAX_BODY = 2 * 2**20  # bytes; Telegram's updates are under 1 MB, a bigger body is refused unread
IDLE_SECONDS = 10.0  # a connection that sends no (complete) request for this long is closed
MAX_CONNECTIONS = 512  # open at once; fewer when the file limit leaves less room
FILE_HEADROOM = 64  # descriptors kept free under RLIMIT_NOFILE for the bot's own files and calls
ACCEPT_PAUSE = 0.5  # seconds without accepting after the process ran out of descriptors
BOT_API_INTERVAL = 10.0  # seconds between getMe calls that check the token and the Bot API
LOG_EVERY = 60.0  # seconds between two warnings about the connection limits


class ListenFailed(Exception):
    """The HTTP server could not take its port: one line for the operator."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates, and the secret it must send with them."""

    url: str
    secret: str

    @property
    def path(self) -> str:
        """The route on this server: the path of the public URL (a proxy passes it on)."""
        return urlparse(self.url).path or "/"


class Health:
    """The replica's fitness: checked on each /healthz and every few seconds in the background;
    the webhook path reads the last result, so an update never waits for a check."""

    def __init__(self, services: Services, bot: Bot | None = None, on_revoked: Any = None) -> None:
        self.services = services
        self.problem: str | None = None  # the last check's finding (index, database)
        self.bot_api: str | None = None  # the last getMe's finding: the Bot API's state
        self._bot, self._on_revoked = bot, on_revoked
        self._bot_checked = 0.0
        self._bot_check: asyncio.Task[None] | None = None  # a getMe still running
        self._reported: str | None = None  # the finding last logged
        self.stopping = False  # SIGTERM: refuse updates, finish those taken (lifecycle.py)
        self._probe: asyncio.Future[None] | None = None  # a PostgreSQL check still running
        self._prober = ThreadPoolExecutor(1, thread_name_prefix="health")

    @property
    def refusing(self) -> bool:
        """Send updates elsewhere: a replica on PostgreSQL has others; one on SQLite has not."""
        return self.stopping or (
            self.problem is not None
            and (self.services.store.postgres or self.problem == INDEX_NOT_LOADED)
        )

    async def check(self) -> str | None:
        """What makes the bot unfit to answer, or None; within HEALTH_TIMEOUT."""
        if self.stopping:
            self.problem = STOPPING
            return STOPPING
        self.problem = await self._find_problem()
        self._start_bot_api_check()
        now = self.problem or self.bot_api
        if now != self._reported:
            if now:
                log.warning("unhealthy: %s", now)
            else:
                log.info("healthy again")
            self._reported = now
        return now

    def _start_bot_api_check(self) -> None:
        """getMe every BOT_API_INTERVAL seconds: in webhook mode nothing else notices a
        revoked token until a reply fails (polling has getUpdates). It runs beside the check,
        which reports the last finding: a slow Bot API must not hold /healthz past its bound."""
        loop = asyncio.get_running_loop()
        if self._bot is None or loop.time() - self._bot_checked < BOT_API_INTERVAL:
            return
        if self._bot_check is not None and not self._bot_check.done():
            return
        self._bot_checked = loop.time()
        self._bot_check = loop.create_task(self._check_bot_api(self._bot))

    async def _check_bot_api(self, bot: Bot) -> None:
        try:
            await asyncio.wait_for(bot.get_me(), HEALTH_TIMEOUT * 2)
        except InvalidToken:
            self.bot_api = "Bot API: token rejected"
            if self._on_revoked is not None:
                self._on_revoked()
        except TimeoutError:
            self.bot_api = "Bot API not answering"
        except TelegramError as exc:
            self.bot_api = f"Bot API: {_reason(exc)}"
        else:
            self.bot_api = None

    async def watch(self) -> None:
        """Check every HEALTH_INTERVAL seconds, so the webhook path follows the database."""
        while True:
            await self.check()
            await asyncio.sleep(HEALTH_INTERVAL)

    def close(self) -> None:
        if self._bot_check is not None:
            self._bot_check.cancel()
        self._prober.shutdown(wait=False, cancel_futures=True)

    async def _find_problem(self) -> str | None:
        services = self.services
        if not services.library.clauses:
            return INDEX_NOT_LOADED
        try:
            # A read as answers make it, off the write threads: a settings write waiting for
            # another process's lock delays no answer, so it must not fail the check either.
            await asyncio.wait_for(asyncio.shield(self._ping()), HEALTH_TIMEOUT)
        except TimeoutError:
            return "database not answering"
        except Exception as exc:  # whatever the engine raises, the answer is the same: unhealthy
            return f"database error: {_reason(exc)}"
        return None

    def _ping(self) -> asyncio.Future[None]:
        # One probe at a time: checks meanwhile wait for it rather than pile up threads.
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().run_in_executor(
                self._prober, self.services.store.check_answering, PING_WAIT
            )
        return self._probe


def _reason(exc: BaseException) -> str:
    """One line: the error's first line, or its type when it has no message."""
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


class WebhookHandler(tornado.web.RequestHandler):
    """An update from Telegram: without the right secret 403 and nothing happens."""

    def initialize(self, app: Application, secret: str, health: Health) -> None:  # type: ignore[type-arg]
        self.app, self.secret, self.health = app, secret, health

    async def post(self) -> None:
        sent = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(sent.encode(), self.secret.encode()):
            log.warning("webhook request without the right secret from %s", self.request.remote_ip)
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.health.refusing:
            # The proxy tries the other replica (nginx: proxy_next_upstream http_503);
            # Telegram itself resends an update it got no 200 for.
            self.set_status(HTTPStatus.SERVICE_UNAVAILABLE)
            self.finish(f"{STOPPING if self.health.stopping else self.health.problem}\n")
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.app.bot)
        # RecursionError: JSON nested deeper than Python's stack (100,000 brackets)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from exc
        await self.app.update_queue.put(update)


class HealthHandler(tornado.web.RequestHandler):
    """200 only when the index is loaded and the database answers; else 503 and why."""

    def initialize(self, health: Health) -> None:
        self.health = health

    async def get(self) -> None:
        problem = await self.health.check()
        self.set_status(HTTPStatus.SERVICE_UNAVAILABLE if problem else HTTPStatus.OK)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{problem or 'ok'}\n")

    async def head(self) -> None:
        """The same status without a body (curl -I, some load balancers' checks)."""
        problem = await self.health.check()
        self.set_status(HTTPStatus.SERVICE_UNAVAILABLE if problem else HTTPStatus.OK)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish()


class MetricsHandler(tornado.web.RequestHandler):
    """Prometheus text format of the process's metrics."""

    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(REGISTRY))


class WebServer:
    """The tornado server on one port: /healthz, /metrics and, in webhook mode, the webhook."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        services: Services,
        webhook: Webhook | None = None,
    ) -> None:
        revoked = getattr(app, "fail", None)
        self.health = Health(
            services, app.bot, (lambda: revoked(texts.TOKEN_REVOKED)) if revoked else None
        )
        self._watch: asyncio.Task[None] | None = None
        self._webhook = webhook
        routes: list[Any] = [
            (r"/healthz", HealthHandler, {"health": self.health}),
            (r"/metrics", MetricsHandler),
        ]
        if webhook is not None:
            route = "/" + webhook.path.strip("/")
            hooked = {"app": app, "secret": webhook.secret, "health": self.health}
            routes.append((rf"{re.escape(route)}/?", WebhookHandler, hooked))
        self._server = GuardedServer(
            tornado.web.Application(routes, log_function=_quiet),
            idle_connection_timeout=IDLE_SECONDS,
            body_timeout=IDLE_SECONDS,
            max_body_size=MAX_BODY,
            max_buffer_size=MAX_BODY,
        )

    def start(self, listen: str, port: int) -> None:
        """Listen now (on the running event loop); ListenFailed when the port is taken."""
        try:
            self._server.listen(port, address=listen)
        except OSError as exc:
            raise ListenFailed(
                texts.LISTEN_FAILED.format(address=listen, port=port, error=exc.strerror or exc)
            ) from None
        log.info("HTTP server on %s:%d (/healthz, /metrics)", listen, port)
        if self._webhook is not None:
            self._watch = asyncio.get_running_loop().create_task(self.health.watch())

    def refuse_updates(self) -> None:
        """From now on the webhook path and /healthz answer 503 `stopping`: the proxy sends
        updates to another replica while this one finishes those it took."""
        self.health.stopping = True
        if self._watch is not None:
            self._watch.cancel()

    async def stop(self) -> None:
        """Take no more requests, then close the open connections."""
        if self._watch is not None:
            self._watch.cancel()
        self._server.stop()
        await self._server.close_all_connections()
        self.health.close()


class GuardedServer(HTTPServer):
    """An HTTPServer that cannot be stopped by connections alone: at most `connection_limit()`
    open (a new one closes the oldest), and running out of descriptors pauses accepting with
    one warning a minute instead of a traceback per attempt."""

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        super().initialize(*args, **kwargs)
        self._streams: dict[IOStream, None] = {}  # open connections, oldest first
        self._base_files = _open_files()
        self._warned = 0.0

    def connection_limit(self) -> int:
        """MAX_CONNECTIONS, or fewer so FILE_HEADROOM descriptors stay free."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return MAX_CONNECTIONS
        return max(8, min(MAX_CONNECTIONS, soft - self._base_files - FILE_HEADROOM))

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        for old in [s for s in self._streams if s.closed()]:
            del self._streams[old]
        limit = self.connection_limit()
        while len(self._streams) >= limit:
            oldest = next(iter(self._streams))
            del self._streams[oldest]
            oldest.close()  # idle or slow: Telegram and proxies reconnect, an attacker loses
            self._warn(f"{limit} HTTP connections open: closing the oldest")
        self._streams[stream] = None
        super().handle_stream(stream, address)

    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        # Tornado's accept handler lets EMFILE escape and the loop retries it at once,
        # logging a traceback each time (~5 MB/s).
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = self._accepting(sock)

    def _accepting(self, sock: socket.socket) -> Any:
        loop = IOLoop.current()

        def accept(fd: Any, events: int) -> None:
            for _ in range(128):
                try:
                    connection, address = sock.accept()
                except (BlockingIOError, ConnectionAbortedError):
                    return
                except OSError as exc:
                    if exc.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                        raise
                    self._warn(f"not accepting connections for {ACCEPT_PAUSE:g} s: {exc}")
                    loop.remove_handler(sock)
                    loop.call_later(ACCEPT_PAUSE, _resume)
                    return
                self._handle_connection(connection, address)

        def _resume() -> None:
            if sock.fileno() in self._handlers:
                loop.add_handler(sock, accept, IOLoop.READ)

        def remove() -> None:
            self._handlers.pop(sock.fileno(), None)
            loop.remove_handler(sock)  # none when paused: tornado ignores an unknown socket

        loop.add_handler(sock, accept, IOLoop.READ)
        return remove

    def _warn(self, text: str) -> None:
        now = time.monotonic()
        if now - self._warned >= LOG_EVERY:
            self._warned = now
            log.warning("%s (logged at most once a minute)", text)


def _open_files() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 32  # no /proc: a typical count for this process at start


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """No access log: Prometheus scrapes and health checks would drown the bot's own log."""
