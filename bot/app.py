"""Build and run the python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, BotCommand, Update
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

from bot import (
    blocked,
    commands,
    handlers,
    inline,
    reload,
    subscriptions,
    summaries,
    texts,
    uploads,
)
from bot.context import CONTEXT_TYPES, SERVICES_KEY
from bot.lifecycle import PolicyApplication, PollingRequest
from bot.limits import ChatRateLimiter, FairUpdateProcessor
from bot.schedule import start_schedules
from bot.state import Services
from config.settings import Settings

log = logging.getLogger(__name__)
CONCURRENT_UPDATES = 64


async def post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Register the command menu, then re-create digest schedules from the store."""
    await app.bot.set_my_commands([BotCommand(n, d) for n, d in commands.menu()])
    start_schedules(app, app.bot_data[SERVICES_KEY])
    services: Services = app.bot_data[SERVICES_KEY]
    services.background.append(asyncio.get_running_loop().create_task(watch_event_loop()))
    reload.start(services)


async def post_stop(app: Application) -> None:  # type: ignore[type-arg]
    """Stop the bot's own background tasks and finish the queued store writes."""
    services: Services = app.bot_data[SERVICES_KEY]
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
            log.info("event loop lag: max %.1f ms over %.0f s", worst * 1000, report_every)
            worst, started = 0.0, loop.time()


def build_application(settings: Settings, services: Services) -> Application:  # type: ignore[type-arg]
    """The Application with every handler, the rate limiter and the error handler."""
    if settings.telegram_token is None:
        raise ValueError("token missing")
    root = settings.telegram_base_url
    polling = PollingRequest()
    app = (
        ApplicationBuilder()
        .application_class(PolicyApplication)
        .token(settings.telegram_token.get_secret_value())
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .get_updates_request(polling)
        .context_types(CONTEXT_TYPES)
        .rate_limiter(ChatRateLimiter(max_retries=3))
        # Updates are handled concurrently, a few per chat: a reply held back by one group's
        # flood limit (20 messages a minute) must not hold up every other chat.
        .concurrent_updates(FairUpdateProcessor(CONCURRENT_UPDATES))
        .post_init(post_init)
        .post_stop(post_stop)
        .build()
    )
    if isinstance(app, PolicyApplication):
        polling.on_invalid_token = lambda: app.fail(texts.TOKEN_REVOKED)
    app.bot_data[SERVICES_KEY] = services
    # Before every other handler: a user writing again un-blocks the chat.
    app.add_handler(TypeHandler(Update, blocked.welcome_back), group=-1)
    for name, callback in (
        ("start", handlers.start_command),
        ("help", handlers.help_command),
        ("ask", handlers.ask_command),
        ("clause", handlers.clause_command),
        ("docs", handlers.docs_command),
        ("toc", handlers.toc_command),
        ("subscribe", subscriptions.subscribe_command),
        ("unsubscribe", subscriptions.unsubscribe_command),
        ("digest", subscriptions.digest_command),
        ("summary", summaries.summary_command),
        ("reload", uploads.reload_command),
        ("remove", uploads.remove_command),
    ):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.message_handler))
    app.add_handler(MessageHandler(filters.Document.ALL, uploads.document_handler))
    app.add_handler(InlineQueryHandler(inline.inline_query_handler))
    # Before the catch-all button handler, which would answer these as expired.
    app.add_handler(CallbackQueryHandler(uploads.confirm_button, pattern=r"^[ur]\|"))
    app.add_handler(CallbackQueryHandler(handlers.button_handler))
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


def run(settings: Settings, services: Services) -> str | None:
    """Long polling until interrupted; returns the fatal fault that ended it, if any."""
    app = build_application(settings, services)
    app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return app.fatal if isinstance(app, PolicyApplication) else None
