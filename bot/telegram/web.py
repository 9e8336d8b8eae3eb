"""The bot's HTTP side: Telegram's webhook, /healthz and /metrics, on one tornado server.

PTB's own webhook server (also tornado) serves only the webhook path, so the webhook route here
follows PTB's documented custom-webhook pattern: check Telegram's secret header, then hand the
update to the Application's update queue, exactly where PTB's server would put it.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlparse

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from bot import texts
from bot.state import Services

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 2.0  # seconds the database has to answer /healthz


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


class WebhookHandler(tornado.web.RequestHandler):
    """An update from Telegram: without the right secret 403 and nothing happens."""

    def initialize(self, app: Application, secret: str) -> None:  # type: ignore[type-arg]
        self.app, self.secret = app, secret

    async def post(self) -> None:
        sent = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(sent.encode(), self.secret.encode()):
            log.warning("webhook request without the right secret from %s", self.request.remote_ip)
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            update = Update.de_json(json.loads(self.request.body), self.app.bot)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # not an Update
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from exc
        await self.app.update_queue.put(update)


class HealthHandler(tornado.web.RequestHandler):
    """200 only when the index is loaded and the database answers; else 503 and why."""

    def initialize(self, services: Services) -> None:
        self.services = services

    async def get(self) -> None:
        problem = await health_problem(self.services)
        self.set_status(HTTPStatus.SERVICE_UNAVAILABLE if problem else HTTPStatus.OK)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{problem or 'ok'}\n")


class MetricsHandler(tornado.web.RequestHandler):
    """Prometheus text format of the process's metrics."""

    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(REGISTRY))


async def health_problem(services: Services) -> str | None:
    """What makes the bot unfit to answer, or None."""
    if not services.library.clauses:
        return "index not loaded"
    try:
        # On the store's write thread: a database stuck or broken there is one answering badly.
        read = services.writes.run(lambda store: store.applied_migrations())
        await asyncio.wait_for(read, HEALTH_TIMEOUT)
    except TimeoutError:
        return "database not answering"
    except Exception as exc:  # whatever the engine raises, the answer is the same: unhealthy
        return f"database error: {type(exc).__name__}"
    return None


class WebServer:
    """The tornado server on one port: /healthz, /metrics and, in webhook mode, the webhook."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        services: Services,
        webhook: Webhook | None = None,
    ) -> None:
        routes: list[Any] = [
            (r"/healthz", HealthHandler, {"services": services}),
            (r"/metrics", MetricsHandler),
        ]
        if webhook is not None:
            route = "/" + webhook.path.strip("/")
            routes.append(
                (rf"{re.escape(route)}/?", WebhookHandler, {"app": app, "secret": webhook.secret})
            )
        self._server = HTTPServer(tornado.web.Application(routes, log_function=_quiet))

    def start(self, listen: str, port: int) -> None:
        """Listen now (on the running event loop); ListenFailed when the port is taken."""
        try:
            self._server.listen(port, address=listen)
        except OSError as exc:
            raise ListenFailed(
                texts.LISTEN_FAILED.format(address=listen, port=port, error=exc.strerror or exc)
            ) from None
        log.info("HTTP server on %s:%d (/healthz, /metrics)", listen, port)

    async def stop(self) -> None:
        """Take no more requests, then close the open connections."""
        self._server.stop()
        await self._server.close_all_connections()


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """No access log: Prometheus scrapes and health checks would drown the bot's own log."""
