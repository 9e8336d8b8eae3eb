"""Deliver digests: one JobQueue job per subscription, claimed before sending."""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes, Job

from bot.context import SERVICES_KEY
from bot.digest import build_digest, fingerprints
from bot.state import Services
from bot.store import Subscription
from bot.summaries import enabled, lead_paragraph

log = logging.getLogger(__name__)


def job_name(chat_id: int) -> str:
    """The JobQueue name of a chat's daily digest."""
    return f"digest:{chat_id}"


def local_now(services: Services) -> datetime:
    """The injectable clock, in the configured time zone."""
    return services.clock().astimezone(services.settings.zone)


async def deliver(bot: Bot, services: Services, subscription: Subscription, day: date) -> str:
    """Send one chat's digest for a day at most once; returns what happened."""
    store, chat_id = services.store, subscription.chat_id
    if not store.claim_digest(chat_id, day, local_now(services)):
        return "already"
    digest = build_digest(services.library, store, subscription, day, local_now(services))
    if enabled(services, chat_id):
        lead = await lead_paragraph(services, digest.hits)
        if lead:
            digest = build_digest(
                services.library, store, subscription, day, local_now(services), lead=lead
            )
    try:
        for message in digest.messages:
            await bot.send_message(
                chat_id, message, parse_mode=ParseMode.HTML, disable_web_page_preview=True
            )
    except Forbidden:
        log.info("digest to chat %s forbidden: subscription disabled", chat_id)
        store.deactivate(chat_id, "forbidden", local_now(services))
        store.finish_digest(chat_id, day, local_now(services), "forbidden")
        return "forbidden"
    except TelegramError:
        log.exception("digest to chat %s failed", chat_id)
        store.finish_digest(chat_id, day, local_now(services), "failed")
        return "failed"
    store.record_sent(chat_id, day, digest.cursor, list(digest.clause_keys))
    store.finish_digest(chat_id, day, local_now(services), "sent")
    return "sent"


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The daily job of one chat (also used for catch-up at start-up)."""
    services: Services = context.bot_data[SERVICES_KEY]
    job = context.job
    if job is None or not isinstance(job.data, int):
        return
    subscription = services.store.subscription(job.data)
    if subscription is None or not subscription.active:
        return
    try:
        result = await deliver(context.bot, services, subscription, local_now(services).date())
    except Exception:  # one chat's failure must not stop the others' digests
        log.exception("digest job for chat %s crashed", job.data)
        return
    if result == "forbidden":
        unschedule(context.application, job.data)


def schedule(app: Application, services: Services, subscription: Subscription) -> Job:  # type: ignore[type-arg]
    """(Re)create the chat's daily job at its time in the configured zone."""
    unschedule(app, subscription.chat_id)
    assert app.job_queue is not None
    at = time(subscription.at.hour, subscription.at.minute, tzinfo=services.settings.zone)
    return app.job_queue.run_daily(
        digest_job,
        at,
        name=job_name(subscription.chat_id),
        data=subscription.chat_id,
        chat_id=subscription.chat_id,
    )


def unschedule(app: Application, chat_id: int) -> None:  # type: ignore[type-arg]
    """Remove the chat's daily job, if any."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(job_name(chat_id)):
        job.schedule_removal()


def next_run(app: Application, chat_id: int) -> datetime | None:  # type: ignore[type-arg]
    """When the chat's next digest is due, from the live schedule."""
    if app.job_queue is None:
        return None
    jobs = app.job_queue.get_jobs_by_name(job_name(chat_id))
    return jobs[0].next_t if jobs else None


def start_schedules(app: Application, services: Services) -> int:  # type: ignore[type-arg]
    """At start-up: note corpus changes, re-create every job, catch up on missed digests."""
    services.store.sync_documents(fingerprints(services.library), local_now(services))
    now = local_now(services)
    count = 0
    for subscription in services.store.subscriptions():
        schedule(app, services, subscription)
        count += 1
        missed = now.time() >= subscription.at
        if missed and services.store.digest_status(subscription.chat_id, now.date()) is None:
            assert app.job_queue is not None
            app.job_queue.run_once(
                digest_job, 0, data=subscription.chat_id, name=f"catchup:{subscription.chat_id}"
            )
    log.info("scheduled %d daily digests", count)
    return count
