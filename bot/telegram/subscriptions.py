"""Handlers for /subscribe, /unsubscribe and /digest."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Callable
from datetime import time

from telegram import Message, Update

from bot import texts
from bot.store.database import DATABASE_ERRORS
from bot.store.store import Store, Subscription
from bot.telegram.context import Context, reply_html, services
from bot.telegram.delivery import deliver
from bot.telegram.digest_render import build_digest
from bot.telegram.permissions import admins_only, may_change
from bot.telegram.schedule import local_now, next_run, schedule, unschedule

log = logging.getLogger(__name__)
MAX_KEYWORDS = 10
MAX_KEYWORD_CHARS = 20
_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")
_TIMEISH = re.compile(r"^\d{1,2}[:：.点]\d*")


class BadSubscription(ValueError):
    """A /subscribe argument that cannot be used, with the reply that explains it."""


def parse_subscription(args: list[str], default: time) -> tuple[time, tuple[str, ...]]:
    """Split /subscribe arguments into a time and keywords."""
    at = default
    words = [a for a in args if a.strip()]
    if words and _TIMEISH.match(words[0]):
        match = _TIME.match(words[0])
        if not match:
            raise BadSubscription(texts.BAD_TIME.format(value=words[0][:20]))
        at, words = time(int(match.group(1)), int(match.group(2))), words[1:]
    keywords = tuple(dict.fromkeys(words))
    if len(keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD_CHARS for k in keywords):
        raise BadSubscription(
            texts.TOO_MANY_KEYWORDS.format(max=MAX_KEYWORDS, length=MAX_KEYWORD_CHARS)
        )
    return at, keywords


async def saved(message: Message, context: Context, write: Callable[[Store], object]) -> bool:
    """Write off the event loop; a locked or full database gets a short reply, not an error."""
    try:
        await services(context).writes.run(write)
    except DATABASE_ERRORS as exc:
        log.warning("settings of chat %s not saved: %s", message.chat_id, exc)
        await reply_html(message, context, html.escape(texts.STORE_BUSY))
        return False
    return True


class Unavailable(Exception):
    """The store could not be read; the user was already told."""


async def stored(message: Message, context: Context) -> Subscription | None:
    """The chat's subscription, read on the write thread: a lost database holds up no chat."""
    chat_id = message.chat_id
    try:
        return await services(context).writes.run(lambda s: s.subscription(chat_id))
    except DATABASE_ERRORS as exc:
        log.warning("subscription of chat %s not read: %s", chat_id, exc)
        await reply_html(message, context, html.escape(texts.STORE_BUSY))
        raise Unavailable from exc


def describe(context: Context, subscription: Subscription) -> str:
    """The current settings of a subscription, with the next run from the live schedule."""
    svc = services(context)
    state = (
        texts.SUBSCRIPTION_ACTIVE
        if subscription.active
        else texts.SUBSCRIPTION_INACTIVE.format(
            reason=texts.REASONS.get(
                subscription.inactive_reason or "", subscription.inactive_reason
            )
        )
    )
    due = next_run(context.application, subscription.chat_id) if subscription.active else None
    return texts.SUBSCRIPTION.format(
        state=state,
        at=subscription.at.strftime("%H:%M"),
        zone=svc.settings.timezone,
        keywords="、".join(subscription.keywords) or texts.NO_KEYWORDS,
        next_run=due.astimezone(svc.settings.zone).strftime("%Y-%m-%d %H:%M") if due else "—",
    )


async def subscribe_command(update: Update, context: Context) -> None:
    """/subscribe [HH:MM] [关键词…]; alone it shows the settings (or subscribes if none)."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    try:
        current = await stored(message, context)
    except Unavailable:
        return
    args = context.args or []
    if not args and current is not None and current.active:
        await reply_html(message, context, html.escape(describe(context, current)))
        return
    try:
        at, keywords = parse_subscription(args, svc.settings.digest_time)
    except BadSubscription as exc:
        await reply_html(message, context, html.escape(f"{exc}\n{texts.SUBSCRIBE_USAGE}"))
        return
    if not await may_change(message, context):
        await reply_html(message, context, html.escape(texts.ADMINS_ONLY))
        return
    if not args and current is not None:
        at, keywords = current.at, current.keywords
    chat_id, now = message.chat_id, local_now(svc)
    if not await saved(message, context, lambda s: s.subscribe(chat_id, at, keywords, now)):
        return
    try:
        subscription = await stored(message, context)
    except Unavailable:
        return
    assert subscription is not None
    schedule(context.application, svc, subscription)
    text = f"{texts.SUBSCRIBED}\n{describe(context, subscription)}"
    await reply_html(message, context, html.escape(text))


async def unsubscribe_command(update: Update, context: Context) -> None:
    """/unsubscribe: stop the digest but keep the settings."""
    message = update.effective_message
    if message is None:
        return
    try:
        current = await stored(message, context)
    except Unavailable:
        return
    if current is None or not current.active:
        await reply_html(message, context, html.escape(texts.NOTHING_TO_UNSUBSCRIBE))
        return
    if not await may_change(message, context):
        await reply_html(message, context, html.escape(texts.ADMINS_ONLY))
        return
    chat_id, now = message.chat_id, local_now(services(context))
    if not await saved(message, context, lambda s: s.deactivate(chat_id, "unsubscribed", now)):
        return
    unschedule(context.application, message.chat_id)
    await reply_html(message, context, html.escape(texts.UNSUBSCRIBED))


async def digest_command(update: Update, context: Context) -> None:
    """/digest: today's digest now (it then counts as today's; never twice a day)."""
    message = update.effective_message
    if message is None:
        return
    if not await admins_only(message, context, "/digest"):
        return
    svc = services(context)
    today = local_now(svc).date()
    try:
        subscription = await stored(message, context)
    except Unavailable:
        return
    if subscription is None or not subscription.active:
        preview = Subscription(message.chat_id, svc.settings.digest_time, (), True)
        digest = await asyncio.to_thread(
            build_digest, svc.library, svc.store, preview, today, local_now(svc)
        )
        for part in digest.messages:
            await message.reply_text(part, do_quote=True)
        await reply_html(message, context, html.escape(texts.NOT_SUBSCRIBED))
        return
    result = await deliver(context.bot, svc, subscription, today)
    if result in ("already", "elsewhere"):  # elsewhere: another replica is sending it now
        await reply_html(message, context, html.escape(texts.DIGEST_ALREADY_SENT))
    elif result == "busy":
        await reply_html(message, context, html.escape(texts.DIGEST_BUSY))
