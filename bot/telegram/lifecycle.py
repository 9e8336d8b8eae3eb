"""How the bot stops: promptly on a signal, and for good when the token is revoked."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update, __bot_api_version__
from telegram.error import InvalidToken
from telegram.ext import Application
from telegram.request import HTTPXRequest

from bot import texts
from bot.telegram.context import SERVICES_KEY
from bot.telegram.limits import DRAIN_SECONDS, FairUpdateProcessor

log = logging.getLogger(__name__)
SUMMARY_GRACE = 3.0  # seconds a stopping bot gives summaries still being written


class PolicyApplication(Application):  # type: ignore[type-arg]
    """The PTB Application that drains its updates at stop and remembers a fatal fault."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fatal: str | None = None
        # Set in webhook mode, where our own loop (not run_polling's) waits for this.
        self.stop_requested: asyncio.Event | None = None
        self._summaries: set[asyncio.Task[Any]] = set()

    def start_summary(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Write a summary in the background; at stop it gets SUMMARY_GRACE seconds, not the
        LLM's whole timeout (PTB would wait for it)."""
        task = self.create_task(coroutine, name="summary")
        self._summaries.add(task)
        task.add_done_callback(self._summaries.discard)

    def stop_running(self) -> None:
        """End run_polling, or the webhook loop waiting on `stop_requested`."""
        if self.stop_requested is not None:
            self.stop_requested.set()
        else:
            super().stop_running()

    def fail(self, reason: str) -> None:
        """Stop polling and end the process with `reason` and a non-zero exit (a supervisor
        restarts it)."""
        if self.fatal is not None:
            return
        self.fatal = reason  # the caller prints it: one line, no traceback
        if self.running:
            self.stop_running()

    async def stop(self) -> None:
        """Stop as PTB does — every update already taken from Telegram is handled — but
        within the drain timeout: past it, updates in progress are cancelled, those not
        started are dropped, and both are counted (policybot_updates_dropped_total).

        Digests stop between parts (PTB waits for running jobs), so no part is left half-sent.
        """
        services = self.bot_data.get(SERVICES_KEY)
        timeout = DRAIN_SECONDS
        if services is not None:
            services.stopping = True
            timeout = services.settings.drain_timeout
        processor = self.update_processor
        deadline = (
            asyncio.create_task(processor.close(timeout))
            if isinstance(processor, FairUpdateProcessor)
            else None
        )
        summaries = asyncio.create_task(self._end_summaries())
        try:
            await super().stop()
        finally:
            for task in (deadline, summaries):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        if isinstance(processor, FairUpdateProcessor) and processor.dropped:
            log.warning(
                "stopping: %d updates taken from Telegram were not answered (drain timeout %g s)",
                processor.dropped,
                timeout,
            )

    async def _end_summaries(self) -> None:
        """Cancel the summaries still unfinished after SUMMARY_GRACE (the quotes are out)."""
        await asyncio.sleep(SUMMARY_GRACE)
        while pending := {task for task in self._summaries if not task.done()}:
            # Answers draining meanwhile may start more; each gets no grace of its own.
            log.warning("stopping: %d summaries not finished, cancelled", len(pending))
            for task in pending:
                task.cancel()
            await asyncio.wait(pending)


class PollingRequest(HTTPXRequest):
    """The getUpdates connection: a 401 (token revoked) ends the bot instead of the polling."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=1, **kwargs)
        self.on_invalid_token: Callable[[], None] | None = None
        self.on_unreadable: Callable[[str], None] | None = None
        self.revoked = False

    # BaseRequest.post is final, but InvalidToken is raised there, after do_request returns.
    async def post(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
        """As HTTPXRequest.post; on InvalidToken, report it once and wait to be cancelled."""
        if self.revoked:  # PTB's last getUpdates at stop: nothing to fetch, nothing to log
            return []
        try:
            result = await super().post(*args, **kwargs)
        except InvalidToken:
            if self.on_invalid_token is None:
                raise
            self.revoked = True
            self.on_invalid_token()
            # PTB would log the error with a traceback and stop polling yet keep the process.
            await asyncio.Event().wait()
            raise
        problem = _unreadable(result)
        if problem is not None and self.on_unreadable is not None:
            # PTB would log a traceback and fetch the same update again at once, forever
            # (~2 MB/s of log): an older Bot API server's update stays unreadable.
            self.revoked = True
            self.on_unreadable(problem)
            await asyncio.Event().wait()
        return result


def _unreadable(result: Any) -> str | None:
    """Why PTB cannot read one of these updates (e.g. a field older Bot API servers lack)."""
    if not isinstance(result, list):
        return None
    for data in result:
        try:
            Update.de_json(dict(data), None)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return None


def unreadable_update(error: str) -> str:
    """The one line `serve` prints when the Bot API server is older than this PTB's."""
    return texts.BOT_API_TOO_OLD.format(error=error, version=__bot_api_version__)
