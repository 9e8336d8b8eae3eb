"""Send a day's digest part by part: rendered once, each part recorded as it goes out.

The parts are kept in the store before the first is sent. A process killed mid-digest resumes
after restart with the parts not yet sent; the part that was in flight counts as delivered
(at most once: Telegram may already show it) and is never sent again. Sending a part is what
moves the reading plan on and logs its keyword clauses, so nothing unsent is marked as read.
The bookkeeping runs on the store's write thread, never on the event loop; a locked database
postpones the digest ("busy") and the caller retries later. Replicas on one database hold a
digest while sending it (Store.hold_digest): the claim says whose day it is, the hold that its
sender is alive; a claim left `sending` by a dead sender is resumed by whoever holds it next.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Literal, TypeVar

from telegram.error import Forbidden, TelegramError
from telegram.ext import ExtBot

from bot import metrics
from bot.digest import gather
from bot.state import Services
from bot.store.database import DATABASE_ERRORS
from bot.store.store import DigestEnd, Store, StoredPart, Subscription
from bot.telegram.digest_render import render_parts
from bot.telegram.summaries import enabled, lead_paragraph

log = logging.getLogger(__name__)
T = TypeVar("T")
_running: set[tuple[int, int, date]] = set()  # (store, chat, day) being delivered here
# How a delivery ended: as the store records it (sent, failed, forbidden), or left for later.
# already: sent before; elsewhere: another replica is sending it; busy: the database is
# locked; stopped: the process is shutting down between parts.
Outcome = Literal[DigestEnd, "already", "elsewhere", "busy", "stopped"]


async def deliver(
    bot: ExtBot[None], services: Services, subscription: Subscription, day: date
) -> Outcome:
    """Send (or finish sending) one chat's digest for a day; returns what happened."""
    key = (id(services.store), subscription.chat_id, day)
    if key in _running:  # the daily job and /digest at once: one of them sends
        return "already"
    _running.add(key)
    chat_id = subscription.chat_id
    try:
        # Another replica is sending it right now: it goes out once, from there. The caller
        # looks again later, and finishes it should that sender have died meanwhile.
        if not await _db(services, lambda s: s.hold_digest(chat_id, day)):
            return "elsewhere"
        try:
            result = await _deliver(bot, services, subscription, day)
        finally:
            await _db(services, lambda s: s.release_digest(chat_id, day))
        if result in ("sent", "failed", "forbidden"):
            metrics.digest_finished("sent" if result == "sent" else "failed")
        return result
    except DATABASE_ERRORS as exc:  # a locked or full database: the caller retries later
        log.warning("digest for chat %s postponed, database busy: %s", subscription.chat_id, exc)
        return "busy"
    finally:
        _running.discard(key)


async def _db(services: Services, work: Callable[[Store], T]) -> T:
    """Store bookkeeping on the write thread: a lock waits there, not on the event loop."""
    return await services.writes.run(work)


async def _deliver(
    bot: ExtBot[None], services: Services, subscription: Subscription, day: date
) -> Outcome:
    chat_id, now = subscription.chat_id, _now(services)
    claimed = await _db(services, lambda s: s.claim_digest(chat_id, day, now))
    if not claimed and await _db(services, lambda s: s.digest_status(chat_id, day)) != "sending":
        return "already"
    parts = await _db(services, lambda s: s.digest_parts(chat_id, day))
    if not parts:
        # Claimed earlier but never rendered: that process died writing the lead. Go without.
        parts = await _prepare(services, subscription, day, with_lead=claimed)
    for part in parts:
        if services.stopping:  # between parts: none is left "sending"; the next start resumes
            log.info("stopping: digest to chat %s paused before part %d", chat_id, part.number)
            return "stopped"
        outcome = await _send_part(bot, services, chat_id, day, part)
        if outcome is not None:
            return outcome
    finished = _now(services)
    await _db(services, lambda s: s.finish_digest(chat_id, day, finished, "sent"))
    return "sent"


async def _prepare(
    services: Services, subscription: Subscription, day: date, with_lead: bool
) -> list[StoredPart]:
    """Gather off the event loop, add a lead if wanted, render once and keep the parts."""
    store = services.store
    await services.writes.caught_up()  # questions asked just before are in the digest
    content = await asyncio.to_thread(
        gather, services.library, store, subscription, day, _now(services)
    )
    if with_lead and enabled(services, subscription.chat_id):
        content = replace(content, lead=await lead_paragraph(services, content.hits))
    rendered = render_parts(content)
    chat_id = subscription.chat_id
    await _db(services, lambda s: s.save_digest_parts(chat_id, day, rendered))
    return await _db(services, lambda s: s.digest_parts(chat_id, day))


async def _send_part(
    bot: ExtBot[None], services: Services, chat_id: int, day: date, part: StoredPart
) -> Outcome | None:
    """Send one part unless it went out before; None to go on, else how the digest ended."""
    now = _now(services)
    if part.state == "sent":
        return None
    if part.state == "sending":
        log.info(
            "digest part %d to chat %s was in flight at a restart: not resent",
            part.number,
            chat_id,
        )
        await _db(services, lambda s: s.part_sent(chat_id, day, part, now))
        return None
    await _db(services, lambda s: s.mark_part(chat_id, day, part.number, "sending"))
    try:
        await bot.send_message(chat_id, part.text, disable_web_page_preview=True)
    except Forbidden:
        log.info("digest to chat %s forbidden: subscription disabled", chat_id)
        await _db(services, lambda s: _end(s, chat_id, day, part, now, "forbidden"))
        return "forbidden"
    except TelegramError:
        log.exception("digest part %d to chat %s failed", part.number, chat_id)
        await _db(services, lambda s: _end(s, chat_id, day, part, now, "failed"))
        return "failed"
    sent = _now(services)
    await _db(services, lambda s: s.part_sent(chat_id, day, part, sent))
    return None


def _end(
    store: Store,
    chat_id: int,
    day: date,
    part: StoredPart,
    now: datetime,
    how: Literal["failed", "forbidden"],
) -> None:
    """Give the part back and end the day's digest as failed or forbidden."""
    store.mark_part(chat_id, day, part.number, "pending")
    if how == "forbidden":
        store.deactivate(chat_id, "forbidden", now)
    store.finish_digest(chat_id, day, now, how)


def _now(services: Services) -> datetime:
    return services.clock().astimezone(services.settings.zone)
