"""Summaries in Telegram: after the quotes, as one message or edited as a stream arrives."""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Sequence

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError

from bot import texts
from bot.endpoints.grounding import cap, checked_prefix
from bot.endpoints.llm import (
    LEAD_QUESTION,
    LLMClient,
    SummaryDropped,
    SummaryUnavailable,
    build_messages,
    summarize,
    verify,
)
from bot.state import Services
from bot.store.database import DATABASE_ERRORS
from bot.telegram.context import Context, reply_html, services
from bot.telegram.permissions import admins_only
from retrieval.model import Answer, Hit

log = logging.getLogger(__name__)
SWITCH = {"on": True, "开": True, "开启": True, "off": False, "关": False, "关闭": False}
EDIT_INTERVAL = 1.0  # seconds between streaming edits: well under Telegram's flood limits


def enabled(svc: Services, chat_id: int) -> bool:
    """Summaries are on for a chat unless it turned them off (and an endpoint exists)."""
    return svc.llm is not None and svc.store.summaries_enabled(chat_id) is not False


def _summary_html(text: str) -> str:
    return f"<b>{texts.SUMMARY_LABEL}</b>：{html.escape(text)}\n<i>{texts.SUMMARY_NOTE}</i>"


async def send_summary(message: Message, context: Context, answer: Answer) -> None:
    """Summarise an answer that was already quoted; failures become a short note."""
    svc = services(context)
    if svc.llm is None or answer.status != "ok" or not answer.hits:
        return
    try:
        if svc.llm.config.stream:
            await _streamed(message, context, svc.llm, answer)
            return
        text = await summarize(svc.llm, answer.query, answer.hits)
    except SummaryUnavailable as exc:
        log.info("summary unavailable: %s", exc)
        note = (
            texts.SUMMARY_DROPPED if isinstance(exc, SummaryDropped) else texts.SUMMARY_UNAVAILABLE
        )
        await reply_html(message, context, html.escape(note))
        return
    await reply_html(message, context, _summary_html(text))


async def _streamed(message: Message, context: Context, llm: LLMClient, answer: Answer) -> None:
    """One placeholder message, edited at most once a second, then the verified text."""
    sent = await reply_html(message, context, html.escape(texts.SUMMARY_PENDING))
    if sent is None:
        return
    text, shown, last_edit = "", "", time.monotonic()
    try:
        async for piece in llm.stream(build_messages(answer.query, answer.hits)):
            text += piece
            if time.monotonic() - last_edit < EDIT_INTERVAL:
                continue
            # Only whole sentences whose facts are already checked reach the screen.
            checked = cap(checked_prefix(text, answer.hits))
            if checked and checked != shown:
                await _edit(sent, f"{html.escape(checked)}\n<i>{texts.SUMMARY_STREAMING}</i>")
                shown = checked
            last_edit = time.monotonic()
        final = _summary_html(verify(text, answer.hits))
    except SummaryUnavailable as exc:
        log.info("streamed summary unavailable: %s", exc)
        final = html.escape(
            texts.SUMMARY_DROPPED if isinstance(exc, SummaryDropped) else texts.SUMMARY_UNAVAILABLE
        )
    await _edit(sent, final)


async def _edit(message: Message, text: str) -> None:
    try:
        await message.edit_text(text)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            log.warning("could not edit the summary: %s", exc)
    except TelegramError as exc:
        log.warning("could not edit the summary: %s", exc)


async def lead_paragraph(svc: Services, hits: Sequence[Hit]) -> str | None:
    """A short verified lead for a digest, or None without an endpoint or on any failure."""
    if svc.llm is None or not hits:
        return None
    try:
        return await summarize(svc.llm, LEAD_QUESTION, hits)
    except SummaryUnavailable as exc:
        log.info("digest lead unavailable: %s", exc)
        return None


async def summary_command(update: Update, context: Context) -> None:
    """/summary on|off: the chat's switch, persisted; alone it shows the state."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    arg = " ".join(context.args or []).strip().lower()
    if arg and not await admins_only(message, context, "/summary"):
        return
    if svc.llm is None:
        await reply_html(message, context, html.escape(texts.SUMMARY_NOT_CONFIGURED))
        return
    if arg and arg not in SWITCH:
        await reply_html(message, context, html.escape(texts.SUMMARY_USAGE))
        return
    if arg:
        chat_id, on = message.chat_id, SWITCH[arg]
        try:
            await svc.writes.run(lambda s: s.set_summaries(chat_id, on))
        except DATABASE_ERRORS as exc:
            log.warning("summary switch of chat %s not saved: %s", chat_id, exc)
            await reply_html(message, context, html.escape(texts.STORE_BUSY))
            return
    state = texts.SUMMARY_ON if enabled(svc, message.chat_id) else texts.SUMMARY_OFF
    await reply_html(message, context, html.escape(texts.SUMMARY_STATUS.format(state=state)))
