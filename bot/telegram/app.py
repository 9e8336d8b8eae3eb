"""Build and run the python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Bot, BotCommand, Update

# Re-exported so `serve` (bot/cli.py) can report them without importing telegram itself.
from telegram.error import InvalidToken as InvalidToken
from telegram.error import NetworkError as NetworkError
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import commands, texts
from bot.state import Services
from bot.telegram import (
    blocked,
    diffs,
    handlers,
    inline,
    keyboards,
    subscriptions,
    summaries,
    uploads,
)
from bot.telegram.arrivals import StampingQueue
from bot.telegram.context import CONTEXT_TYPES, DEFAULTS, SERVICES_KEY
from bot.telegram.lifecycle import PolicyApplication, PollingRequest, unreadable_update
from bot.telegram.limits import ChatRateLimiter, FairUpdateProcessor
from bot.telegram.persistence import ChatStatePersistence
from bot.telegram.schedule import start_schedules
from bot.telegram.web import Webhook, WebServer
from bot.upkeep import reload
from config.settings import Settings

log = logging.getLogger(__name__)
CONCURRENT_UPDATES = 64
LAG_WORTH_TELLING = 0.1  # seconds of event-loop stall logged at INFO; less is DEBUG
WEB_KEY = "web"  # bot_data: the /healthz and /metrics server of a polling bot


async def post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Register the command menu, then re-create digest schedules from the store."""
    await app.bot.set_my_commands([BotCommand(n, d) for n, d in commands.menu()])
    start_schedules(app, app.bot_data[SERVICES_KEY])
    services: Services = app.bot_data[SERVICES_KEY]
    services.background.append(asyncio.get_running_loop().create_task(watch_event_loop()))
    # References and related clauses, read once off the loop (answers never wait on them).
    services.background.append(
        asyncio.get_running_loop().create_task(asyncio.to_thread(services.library.link_clauses))
    )
    reload.start(services)


async def start_metrics(app: Application) -> None:  # type: ignore[type-arg]
    """Polling with POLICYBOT_METRICS_PORT: serve /healthz and /metrics beside the bot."""
    services: Services = app.bot_data[SERVICES_KEY]
    settings = services.settings
    if settings.metrics_port is not None:  # first: a taken port ends serve before any task starts
        web = WebServer(app, services)
        web.start(settings.webhook_listen, settings.metrics_port)
        app.bot_data[WEB_KEY] = web
    await post_init(app)


async def post_stop(app: Application) -> None:  # type: ignore[type-arg]
    """Stop the bot's own background tasks and finish the queued store writes."""
    services: Services = app.bot_data[SERVICES_KEY]
    web = app.bot_data.pop(WEB_KEY, None)
    if isinstance(web, WebServer):
        await web.stop()
    for task in services.background:
        task.cancel()
    await asyncio.to_thread(services.writes.close)


async def watch_event_loop(interval: float = 0.05, report_every: float = 10.0) -> None:
    """Log how late the event loop wakes up (its worst stall), every `report_every` seconds."""
    loop = asyncio.get_running_loop()
    worst, started = 0.0, loop.time()
    while True:
        before = loop.time()
        await asyncio.sleep(interval)
        worst = max(worst, loop.time() - before - interval)
        if loop.time() - started >= report_every:
            # Routine (every 10 s) at DEBUG; a stall every chat felt is news.
            level = logging.INFO if worst >= LAG_WORTH_TELLING else logging.DEBUG
            log.log(level, "event loop lag: max %.1f ms over %.0f s", worst * 1000, report_every)
            worst, started = 0.0, loop.time()


def build_application(
    settings: Settings, services: Services, webhook: bool = False
) -> Application:  # type: ignore[type-arg]
    """The Application with every handler, the rate limiter and the error handler.

    With `webhook` it has no Updater: updates arrive through the webhook route (web.py)."""
    if settings.telegram_token is None:
        raise ValueError("token missing")
    root = settings.telegram_base_url
    polling = PollingRequest()
    builder = (
        ApplicationBuilder()
        .application_class(PolicyApplication)
        .token(settings.telegram_token.get_secret_value())
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
    )
    builder = builder.updater(None) if webhook else builder.get_updates_request(polling)
    app = (
        builder.update_queue(StampingQueue())
        .context_types(CONTEXT_TYPES)
        .defaults(DEFAULTS)
        .rate_limiter(ChatRateLimiter(max_retries=3))
        # Each chat's ChatState lives in the store: a restart or another replica finds it.
        .persistence(ChatStatePersistence(services.store, services.clock))
        # Updates are handled concurrently, a few per chat: a reply held back by one group's
        # flood limit (20 messages a minute) must not hold up every other chat.
        .concurrent_updates(FairUpdateProcessor(CONCURRENT_UPDATES))
        .post_init(start_metrics)
        .post_stop(post_stop)
        .build()
    )
    if isinstance(app, PolicyApplication):
        polling.on_invalid_token = lambda: app.fail(texts.TOKEN_REVOKED)
        polling.on_unreadable = lambda error: app.fail(unreadable_update(error))
    app.bot_data[SERVICES_KEY] = services
    # Before every other handler: a user writing again un-blocks the chat.
    app.add_handler(TypeHandler(Update, blocked.welcome_back), group=-1)
    # /ask and /clause pass the rate limit as questions do; every other command here.
    for name, callback in (
        ("ask", handlers.ask_command),
        ("clause", handlers.clause_command),
        ("start", handlers.gated(handlers.start_command)),
        ("help", handlers.gated(handlers.help_command)),
        ("docs", handlers.gated(handlers.docs_command)),
        ("toc", handlers.gated(handlers.toc_command)),
        ("diff", handlers.gated(diffs.diff_command)),
        ("subscribe", handlers.gated(subscriptions.subscribe_command)),
        ("unsubscribe", handlers.gated(subscriptions.unsubscribe_command)),
        ("digest", handlers.gated(subscriptions.digest_command)),
        ("summary", handlers.gated(summaries.summary_command)),
        ("reload", handlers.gated(uploads.reload_command)),
        ("remove", handlers.gated(uploads.remove_command)),
    ):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.message_handler))
    app.add_handler(MessageHandler(filters.Document.ALL, uploads.document_handler))
    app.add_handler(InlineQueryHandler(inline.inline_query_handler))
    # One handler per kind of button; whatever matches none (forged, or from a keyboard this
    # version no longer makes) is answered as expired by the last one.
    for pattern, button in (
        (r"^[ur]\|", uploads.confirm_button),
        (keyboards.MORE, handlers.more_button),
        (keyboards.NEIGHBOUR, handlers.neighbour_button),
        (keyboards.CHAPTER, handlers.chapter_button),
        (keyboards.TOC, handlers.toc_button),
        (keyboards.SOURCE, handlers.source_button),
        (diffs.DIFF, diffs.diff_button),
        (keyboards.CITES, handlers.cites_button),
        (keyboards.CITED_BY, handlers.cited_by_button),
        (keyboards.WHICH, handlers.which_button),
        (keyboards.RELATED, handlers.related_button),
    ):
        app.add_handler(CallbackQueryHandler(button, pattern=pattern))
    app.add_handler(CallbackQueryHandler(handlers.expired_button))
    app.add_error_handler(handlers.error_handler)
    return app


async def probe(settings: Settings) -> None:
    """Call getMe once, so a wrong token or an unreachable server fails before polling."""
    assert settings.telegram_token is not None
    root = settings.telegram_base_url
    bot = Bot(
        settings.telegram_token.get_secret_value(),
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
    )
    async with bot:
        await bot.get_me()


def run(settings: Settings, services: Services, webhook: bool = False) -> str | None:
    """Long polling (or the webhook) until interrupted; returns the fatal fault, if any."""
    app = build_application(settings, services, webhook)
    if webhook and isinstance(app, PolicyApplication):
        asyncio.run(run_webhook(app, settings, services))
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return app.fatal if isinstance(app, PolicyApplication) else None


async def run_webhook(app: PolicyApplication, settings: Settings, services: Services) -> None:
    """Serve the webhook until SIGTERM or SIGINT; setWebhook on start, deleteWebhook on stop
    (unless other replicas share it: POLICYBOT_WEBHOOK_KEEP_ON_STOP)."""
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    hook = Webhook(settings.webhook_url, settings.webhook_secret.get_secret_value())
    app.stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, app.stop_requested.set)
    web = WebServer(app, services, hook)
    async with app:
        # Before any task starts (a taken port ends serve at once); updates queue until start.
        web.start(settings.webhook_listen, settings.webhook_port)
        await post_init(app)
        await app.start()
        try:
            await app.bot.set_webhook(
                hook.url, secret_token=hook.secret, allowed_updates=Update.ALL_TYPES
            )
            log.info("webhook set: Telegram posts updates to %s", hook.url)
        except TelegramError as exc:
            app.fail(texts.WEBHOOK_REJECTED.format(url=hook.url, error=exc))
        await app.stop_requested.wait()
        # 503 from now on: the proxy (or Telegram, which resends) gives new updates to
        # another replica, while this one answers every update it already said 200 to.
        web.refuse_updates()
        if app.fatal is None and not settings.webhook_keep_on_stop:
            await _delete_webhook(app.bot)
        elif app.fatal is None:
            # Other replicas behind the same URL go on answering; Telegram keeps the webhook.
            log.info("webhook kept (POLICYBOT_WEBHOOK_KEEP_ON_STOP)")
        await app.stop()  # taken updates drain, within POLICYBOT_DRAIN_TIMEOUT (lifecycle.py)
        await web.stop()
        await post_stop(app)


async def _delete_webhook(bot: Bot) -> None:
    try:
        await bot.delete_webhook()
    except TelegramError as exc:  # stopping anyway: Telegram retries the old URL meanwhile
        log.warning("deleteWebhook failed: %s", exc)
