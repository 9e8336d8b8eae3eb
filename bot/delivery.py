"""Send a day's digest part by part: rendered once, each part recorded as it goes out.

The parts are kept in the store before the first is sent. A process killed mid-digest resumes
after restart with the parts not yet sent; the part that was in flight counts as delivered
(at most once: Telegram may already show it) and is never sent again. Sending a part is what
moves the reading plan on and logs its keyword clauses, so nothing unsent is marked as read.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import date, datetime

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from bot.digest import gather
from bot.digest_render import render_parts
from bot.state import Services
from bot.store import StoredPart, Subscription
from bot.summaries import enabled, lead_paragraph

log = logging.getLogger(__name__)
_running: set[tuple[int, int, date]] = set()  # (store, chat, day) being delivered here


async def deliver(bot: Bot, services: Services, subscription: Subscription, day: date) -> str:
    """Send (or finish sending) one chat's digest for a day; returns what happened."""
    key = (id(services.store), subscription.chat_id, day)
    if key in _running:  # the daily job and /digest at once: one of them sends
        return "already"
    _running.add(key)
    try:
        return await _deliver(bot, services, subscription, day)
    finally:
        _running.discard(key)


async def _deliver(bot: Bot, services: Services, subscription: Subscription, day: date) -> str:
    store, chat_id = services.store, subscription.chat_id
    claimed = store.claim_digest(chat_id, day, _now(services))
    if not claimed and store.digest_status(chat_id, day) != "sending":
        return "already"
    parts = store.digest_parts(chat_id, day)
    if not parts:
        # Claimed earlier but never rendered: that process died writing the lead. Go without.
        parts = await _prepare(services, subscription, day, with_lead=claimed)
    for part in parts:
        outcome = await _send_part(bot, services, chat_id, day, part)
        if outcome is not None:
            return outcome
    store.finish_digest(chat_id, day, _now(services), "sent")
    return "sent"


async def _prepare(
    services: Services, subscription: Subscription, day: date, with_lead: bool
) -> list[StoredPart]:
    """Gather off the event loop, add a lead if wanted, render once and keep the parts."""
    store = services.store
    content = await asyncio.to_thread(
        gather, services.library, store, subscription, day, _now(services)
    )
    if with_lead and enabled(services, subscription.chat_id):
        content = replace(content, lead=await lead_paragraph(services, content.hits))
    rendered = [(p.text, p.cursor, p.clause_keys) for p in render_parts(content)]
    await asyncio.to_thread(store.save_digest_parts, subscription.chat_id, day, rendered)
    return store.digest_parts(subscription.chat_id, day)


async def _send_part(
    bot: Bot, services: Services, chat_id: int, day: date, part: StoredPart
) -> str | None:
    """Send one part unless it went out before; None to go on, else how the digest ended."""
    store = services.store
    if part.state == "sent":
        return None
    if part.state == "sending":
        log.info(
            "digest part %d to chat %s was in flight at a restart: not resent",
            part.number,
            chat_id,
        )
        store.part_sent(chat_id, day, part, _now(services))
        return None
    store.mark_part(chat_id, day, part.number, "sending")
    try:
        await bot.send_message(
            chat_id, part.text, parse_mode=ParseMode.HTML, disable_web_page_preview=True
        )
    except Forbidden:
        log.info("digest to chat %s forbidden: subscription disabled", chat_id)
        store.mark_part(chat_id, day, part.number, "pending")
        store.deactivate(chat_id, "forbidden", _now(services))
        store.finish_digest(chat_id, day, _now(services), "forbidden")
        return "forbidden"
    except TelegramError:
        log.exception("digest part %d to chat %s failed", part.number, chat_id)
        store.mark_part(chat_id, day, part.number, "pending")
        store.finish_digest(chat_id, day, _now(services), "failed")
        return "failed"
    store.part_sent(chat_id, day, part, _now(services))
    return None


def _now(services: Services) -> datetime:
    return services.clock().astimezone(services.settings.zone)
