"""Schedule digests: one JobQueue job per subscription; catch up on missed or cut-short ones.

Replicas share the subscriptions but each has its own JobQueue, so every process looks at the
store now and then (`sync_job`) for subscriptions made, moved or ended through another one.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

from telegram.ext import Application, ContextTypes, Job

from bot.digest import fingerprints
from bot.state import Services
from bot.store.database import DATABASE_ERRORS
from bot.store.store import Store, Subscription
from bot.telegram.context import SERVICES_KEY
from bot.telegram.delivery import Outcome, deliver

log = logging.getLogger(__name__)
RETRY_AFTER = 300  # seconds before a digest postponed (busy database, sent elsewhere) is retried
SYNC_EVERY = 60  # seconds: how soon a subscription changed on another replica is scheduled here
SCHEDULED_KEY = "digest_times"  # bot_data: chat id → the time its daily job runs at here
RESTORED_KEY = "digests_restored"  # bot_data: start-up's restore has succeeded
SYNC_NAME = "digest-sync"


def job_name(chat_id: int) -> str:
    """The JobQueue name of a chat's daily digest."""
    return f"digest:{chat_id}"


def retry_name(chat_id: int) -> str:
    """The JobQueue name of a chat's postponed digest."""
    return f"digest-retry:{chat_id}"


def local_now(services: Services) -> datetime:
    """The injectable clock, in the configured time zone."""
    return services.clock().astimezone(services.settings.zone)


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The daily job of one chat (also used for catch-up at start-up)."""
    services: Services = context.bot_data[SERVICES_KEY]
    job = context.job
    if job is None or not isinstance(job.data, int):
        return
    chat_id = job.data
    result: Outcome
    try:
        # Read on the write thread: a lost database must not stall the event loop here.
        subscription = await services.writes.run(lambda store: store.subscription(chat_id))
    except DATABASE_ERRORS as exc:
        log.warning("digest for chat %s postponed, database unavailable: %s", chat_id, exc)
        subscription, result = None, "busy"
    else:
        if subscription is None or not subscription.active:
            return
        try:
            result = await deliver(context.bot, services, subscription, local_now(services).date())
        except Exception:  # one chat's failure must not stop the others' digests
            log.exception("digest job for chat %s crashed", chat_id)
            return
    if result == "forbidden":
        unschedule(context.application, job.data)
    elif result in ("busy", "elsewhere") and context.job_queue is not None:
        context.job_queue.run_once(
            digest_job, RETRY_AFTER, data=job.data, name=retry_name(job.data)
        )


def schedule(app: Application, services: Services, subscription: Subscription) -> Job:  # type: ignore[type-arg]
    """(Re)create the chat's daily job at its time in the configured zone."""
    unschedule(app, subscription.chat_id)
    assert app.job_queue is not None
    app.bot_data.setdefault(SCHEDULED_KEY, {})[subscription.chat_id] = subscription.at
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
    app.bot_data.get(SCHEDULED_KEY, {}).pop(chat_id, None)
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(job_name(chat_id)):
        job.schedule_removal()


async def sync_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Make this process's daily jobs match the store's active subscriptions.

    Until start-up's restore has succeeded (a database error there), retry that instead."""
    services: Services = context.bot_data[SERVICES_KEY]
    if not context.bot_data.get(RESTORED_KEY):
        now = local_now(services)
        try:
            plan = await services.writes.run(lambda store: restore_plan(store, services, now))
        except DATABASE_ERRORS as exc:  # the next round tries again
            log.warning("digest schedules still not restored: %s", exc)
            return
        restore(context.application, services, plan)
        return
    try:
        current = await services.writes.run(lambda store: store.subscriptions())
    except DATABASE_ERRORS as exc:  # the next round looks again
        log.warning("digest schedules not synced, database busy: %s", exc)
        return
    scheduled = dict(context.bot_data.get(SCHEDULED_KEY, {}))
    for subscription in current:
        if scheduled.pop(subscription.chat_id, None) != subscription.at:
            schedule(context.application, services, subscription)
    for chat_id in scheduled:  # ended (or never made) in the store
        unschedule(context.application, chat_id)


def next_run(app: Application, chat_id: int) -> datetime | None:  # type: ignore[type-arg]
    """When the chat's next digest is due, from the live schedule."""
    if app.job_queue is None:
        return None
    jobs = app.job_queue.get_jobs_by_name(job_name(chat_id))
    return jobs[0].next_t if jobs else None


def restore_plan(
    store: Store, services: Services, now: datetime
) -> list[tuple[Subscription, bool]]:
    """Note corpus changes; every active subscription, and whether its digest is due now."""
    store.sync_documents(fingerprints(services.library), now)
    plan = []
    for subscription in store.subscriptions():
        missed = now.time() >= subscription.at
        status = store.digest_status(subscription.chat_id, now.date())
        plan.append((subscription, missed and status in (None, "sending")))  # sending: cut short
    return plan


def restore(app: Application, services: Services, plan: list[tuple[Subscription, bool]]) -> int:  # type: ignore[type-arg]
    """Re-create every daily job and catch up on the missed digests."""
    assert app.job_queue is not None
    for subscription, due in plan:
        schedule(app, services, subscription)
        if due:
            chat_id = subscription.chat_id
            app.job_queue.run_once(digest_job, 0, data=chat_id, name=f"catchup:{chat_id}")
    app.bot_data[RESTORED_KEY] = True
    log.info("scheduled %d daily digests", len(plan))
    return len(plan)


def start_schedules(app: Application, services: Services) -> int:  # type: ignore[type-arg]
    """At start-up: restore the digest jobs and start the minute's sync.

    A database error costs one log line: the sync job retries the restore until it succeeds."""
    assert app.job_queue is not None
    app.bot_data[RESTORED_KEY] = False
    if not app.job_queue.get_jobs_by_name(SYNC_NAME):
        app.job_queue.run_repeating(sync_job, SYNC_EVERY, first=SYNC_EVERY, name=SYNC_NAME)
    try:
        plan = restore_plan(services.store, services, local_now(services))
    except DATABASE_ERRORS as exc:
        log.warning("digest schedules not restored, retrying every %d s: %s", SYNC_EVERY, exc)
        return 0
    return restore(app, services, plan)
