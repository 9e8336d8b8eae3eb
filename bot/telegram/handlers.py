"""Thin Telegram handlers: update → Library → render → reply."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import re
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.error import BadRequest, Forbidden, InvalidToken, TimedOut

from bot import commands, metrics, render, texts
from bot.telegram.arrivals import arrived
from bot.telegram.context import Context, chat_state, reply_html, services
from bot.telegram.formatting import answer_messages, hit_blocks, pack
from bot.telegram.keyboards import (
    TOC_PAGE,
    answer_keyboard,
    clause_keyboard,
    toc_keyboard,
    toc_page,
)
from bot.telegram.lifecycle import PolicyApplication as Stoppable
from bot.telegram.summaries import enabled, send_summary
from retrieval.library import Library
from retrieval.lookup.card import quoted_title
from retrieval.model import Answer, Clause, Document

log = logging.getLogger(__name__)
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


async def send_answer(
    message: Message, context: Context, answer: Answer, asked: float | None = None
) -> None:
    """Render an answer as one or more threaded HTML messages with buttons on the last.

    With `asked` (the update's monotonic arrival time) it is counted as an answer."""
    state = chat_state(context)
    library = services(context).library
    if answer.status == "ok" and answer.hits:
        state.doc_id = answer.hits[0].clause.doc_id
    # Remembered for 更多结果, and for the buttons that pick one of several named documents.
    remembered = answer.mode == "search" or answer.status == "ambiguous"
    qid = state.remember(answer.query, len(answer.hits)) if remembered else 0
    parts = answer_messages(answer, answer.terms)
    markup = answer_keyboard(answer, qid, library)
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        await reply_html(
            message,
            context,
            part,
            markup if last else None,
            plain=render.to_text(answer) if len(parts) == 1 else None,
        )
    if asked is not None:
        metrics.ANSWERS.labels(answer.status).inc()
        metrics.ANSWER_SECONDS.observe(time.monotonic() - asked)
    if answer.status == "ok" and enabled(services(context), message.chat_id):
        # In the background: the quotes are out, and a slow endpoint must not hold other chats.
        # At stop a summary gets a short grace, then is cancelled (lifecycle.py).
        app = context.application
        if isinstance(app, Stoppable):
            app.start_summary(send_summary(message, context, answer))
        else:
            app.create_task(send_summary(message, context, answer), name="summary")


async def admitted(message: Message, context: Context) -> bool:
    """The per-user rate limit: over it, one notice a minute, then silence."""
    user = message.from_user
    if user is None:
        return True
    verdict = services(context).flood_gate.check(user.id)
    if verdict.action == "notice":
        seconds = int(verdict.wait) + 1
        await reply_html(message, context, texts.RATE_LIMITED.format(seconds=seconds))
    elif verdict.action == "drop":
        # Replying to each would queue behind the group's 20 messages a minute.
        log.debug(
            "over the rate limit: dropped a message of user %s in %s", user.id, message.chat_id
        )
    return verdict.action == "answer"


def gated(command: Handler) -> Handler:
    """A command behind the per-user rate limit (300 /digest must not become 300 digests)."""

    @functools.wraps(command)
    async def run(update: Update, context: Context) -> None:
        message = update.effective_message
        if message is not None and not await admitted(message, context):
            return
        await command(update, context)

    return run


async def answer_text(message: Message, context: Context, text: str) -> None:
    """Answer a question or reference, after the per-user rate limit; then log it."""
    asked = arrived()
    metrics.QUESTIONS.inc()
    if not await admitted(message, context):
        return
    svc = services(context)
    # Retrieval runs in a worker thread: a big corpus must not stall other chats' updates.
    answer = await asyncio.to_thread(svc.library.answer, text, 3, chat_state(context).doc_id)
    await send_answer(message, context, answer, asked)
    sections = [
        f"《{svc.library.short_name(h.clause)}》{h.clause.label}"
        for h in answer.hits
        if answer.status == "ok"
    ]
    chat_id, now = message.chat_id, svc.clock()
    # After the answer and off the loop: a locked or full database costs this entry only.
    svc.writes.submit(
        f"question in chat {chat_id}", lambda s: s.log_question(chat_id, text, sections, now)
    )


# --- commands ---------------------------------------------------------------------------


async def start_command(update: Update, context: Context) -> None:
    """Greet and explain in one message."""
    if update.effective_message:
        await reply_html(update.effective_message, context, html.escape(texts.START))


async def help_command(update: Update, context: Context) -> None:
    """The command list from the command table, plus how groups work."""
    if update.effective_message:
        await reply_html(update.effective_message, context, commands.help_html())


async def ask_command(update: Update, context: Context) -> None:
    """/ask <问题>."""
    message = update.effective_message
    if message is None:
        return
    text = " ".join(context.args or [])
    if not text.strip():
        await reply_html(message, context, html.escape(texts.ASK_USAGE))
        return
    await answer_text(message, context, text)


async def clause_command(update: Update, context: Context) -> None:
    """/clause <编号>."""
    message = update.effective_message
    if message is None:
        return
    text = " ".join(context.args or [])
    if not text.strip():
        await reply_html(message, context, html.escape(texts.CLAUSE_USAGE))
        return
    asked = arrived()
    metrics.QUESTIONS.inc()
    if not await admitted(message, context):
        return
    library = services(context).library
    answer = await asyncio.to_thread(library.lookup, text, chat_state(context).doc_id)
    await send_answer(message, context, answer, asked)


async def docs_command(update: Update, context: Context) -> None:
    """/docs: the documents with their short names."""
    message = update.effective_message
    if message is None:
        return
    lines = [f"<b>{texts.DOCS_HEADER}</b>"]
    for doc in services(context).library.documents:
        lines.append(html.escape(render.doc_line(doc)))
    await reply_html(message, context, "\n".join(lines))


async def toc_command(update: Update, context: Context) -> None:
    """/toc <文件>: the table of contents, paged with buttons."""
    message = update.effective_message
    if message is None:
        return
    name = " ".join(context.args or []).strip()
    library = services(context).library
    docs = library.resolve(name) if name else []
    if len(docs) != 1:
        text = texts.TOC_USAGE if not name else texts.TOC_UNKNOWN.format(name=name)
        if len(docs) > 1:
            text = texts.TOC_SEVERAL.format(name=name, ids="、".join(d.doc_id for d in docs))
        await reply_html(message, context, html.escape(text))
        return
    text, pages = toc_page(docs[0], 0)
    await reply_html(message, context, text, toc_keyboard(docs[0], 0, pages))


# --- plain messages ---------------------------------------------------------------------


def addressed_text(message: Message, bot_username: str, bot_id: int) -> str | None:
    """The question in a message meant for the bot, or None for other chatter."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{bot_username}".lower()
    mentioned = (
        any(
            e.type == MessageEntityType.MENTION
            and text[e.offset : e.offset + e.length].lower() == mention
            for e in message.parse_entities([MessageEntityType.MENTION])
        )
        or mention in text.lower()
    )
    replied = message.reply_to_message is not None and (
        message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.id == bot_id
    )
    if not (mentioned or replied):
        return None
    return re.sub(re.escape(f"@{bot_username}"), " ", text, flags=re.I).strip()


async def message_handler(update: Update, context: Context) -> None:
    """Private chats: every text; groups: only messages that mention or reply to the bot."""
    message = update.effective_message
    if message is None or not message.text:
        return
    text = addressed_text(message, context.bot.username, context.bot.id)
    if text is None:
        return
    await answer_text(message, context, text)


# --- buttons ----------------------------------------------------------------------------


def _pressed(update: Update) -> tuple[CallbackQuery, Message] | None:
    """The pressed button's query and the message it sits under (None if that is gone)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return None
    return query, query.message


async def _pressed_clause(update: Update, context: Context) -> tuple[Message, Clause] | None:
    """The message under a pressed clause button and the clause its data names; the press is
    answered (as expired when the clause is gone, then None)."""
    if (pressed := _pressed(update)) is None:
        return None
    query, message = pressed
    doc_id, ordinal = _fields(context)
    if (clause := _clause(services(context).library, doc_id, int(ordinal))) is None:
        await query.answer(texts.EXPIRED)
        return None
    await query.answer()
    return message, clause


def _fields(context: Context) -> tuple[str, ...]:
    """What the button's pattern (keyboards.py) captured from its callback data."""
    return context.match.groups() if context.match is not None else ()


async def more_button(update: Update, context: Context) -> None:
    """更多结果: the next results of a remembered question."""
    if (pressed := _pressed(update)) is None:
        return
    query, message = pressed
    (qid,) = _fields(context)
    await query.answer()
    await _more_results(message, context, int(qid))


async def which_button(update: Update, context: Context) -> None:
    """One of the documents a shared name fits (消保法 of two laws): the remembered question
    answered from that document."""
    if (pressed := _pressed(update)) is None:
        return
    query, message = pressed
    qid, n = (int(f) for f in _fields(context))
    state = chat_state(context)
    asked = state.asked.get(qid)
    library = services(context).library
    if asked is None:
        await query.answer(texts.EXPIRED)
        return
    # The candidates again, from the library as it is now (a reload may have changed them).
    again = await asyncio.to_thread(library.answer, asked.text, 3, state.doc_id)
    if again.status != "ambiguous" or n >= len(again.suggestions):
        await query.answer(texts.EXPIRED)
        return
    await query.answer()
    doc_id = again.suggestions[n].clause.doc_id
    answer = await asyncio.to_thread(library.answer, asked.text, 3, state.doc_id, doc_id)
    await send_answer(message, context, answer)


async def neighbour_button(update: Update, context: Context) -> None:
    """上一条 / 下一条 and the nearest sections: show that clause in place."""
    if (found := await _pressed_clause(update, context)) is None:
        return
    message, clause = found
    library = services(context).library
    chat_state(context).doc_id = clause.doc_id
    answer = Answer(clause.label, "lookup", "ok", (library.hit(clause),))
    parts = answer_messages(answer, [])
    await _edit(message, parts[0], clause_keyboard(clause, library))


async def chapter_button(update: Update, context: Context) -> None:
    """本章目录: the table-of-contents page holding the clause, as a new message."""
    if (named := await _named_document(update, context)) is None:
        return
    message, doc, (ordinal,) = named
    page = _chapter_page(int(ordinal))
    text, pages = toc_page(doc, page)
    await reply_html(message, context, text, toc_keyboard(doc, page, pages))


async def toc_button(update: Update, context: Context) -> None:
    """目录 / 上一页 / 下一页: turn the table of contents to a page in place."""
    if (named := await _named_document(update, context)) is None:
        return
    message, doc, (number,) = named
    text, pages = toc_page(doc, int(number))
    await _edit(message, text, toc_keyboard(doc, int(number), pages))


async def source_button(update: Update, context: Context) -> None:
    """来源文件: which files a document was read from."""
    if (named := await _named_document(update, context)) is None:
        return
    message, doc, _ = named
    kind_name = texts.KIND_NAMES.get(doc.kind, doc.kind)
    await reply_html(
        message,
        context,
        html.escape(
            texts.SOURCE.format(
                title=quoted_title(doc.title),
                kind=kind_name,
                count=len(doc.clauses),
                sources="、".join(doc.sources),
            )
        ),
    )


async def cites_button(update: Update, context: Context) -> None:
    """引用条款: the clauses this one refers to, quoted, as new messages."""
    await _linked(update, context, cited_by=False)


async def cited_by_button(update: Update, context: Context) -> None:
    """被引用: the clauses that refer to this one, quoted, as new messages."""
    await _linked(update, context, cited_by=True)


async def related_button(update: Update, context: Context) -> None:
    """相关条款: clauses of other documents that treat the same matter, quoted."""
    if (found := await _pressed_clause(update, context)) is None:
        return
    message, clause = found
    library = services(context).library
    name = f"{quoted_title(library.title(clause))}{clause.label}"
    blocks = [f"<b>{html.escape(texts.RELATED_HEADER.format(name=name))}</b>"]
    # Computed for the whole library at start; off the loop in case this press came first.
    for related in await asyncio.to_thread(library.related, clause):
        blocks += hit_blocks(library.hit(related), [])
    for part in pack(blocks):
        await reply_html(message, context, part)


async def _linked(update: Update, context: Context, cited_by: bool) -> None:
    if (found := await _pressed_clause(update, context)) is None:
        return
    message, clause = found
    library = services(context).library
    name = f"{quoted_title(library.title(clause))}{clause.label}"
    header = texts.CITED_BY_HEADER if cited_by else texts.CITES_HEADER
    blocks = [f"<b>{html.escape(header.format(name=name))}</b>"]
    links = (
        await asyncio.to_thread(library.cited_by, clause) if cited_by else library.cites(clause)
    )
    for citation in links:
        linked = (
            _clause(library, citation.doc_id, citation.ordinal)
            if citation.doc_id is not None and citation.ordinal is not None
            else None
        )
        if linked is None:
            blocks.append(html.escape(render.citation_line(citation)))
        else:
            blocks += hit_blocks(library.hit(linked), [])
    for part in pack(blocks):
        await reply_html(message, context, part)


async def _named_document(
    update: Update, context: Context
) -> tuple[Message, Document, tuple[str, ...]] | None:
    """Answer the button; its message, the document its data names and the other fields.

    A document that is not in the library gets the expired answer, and None."""
    if (pressed := _pressed(update)) is None:
        return None
    query, message = pressed
    doc_id, *rest = _fields(context)
    if (doc := services(context).library.document(doc_id)) is None:
        await query.answer(texts.EXPIRED)
        return None
    await query.answer()
    return message, doc, tuple(rest)


async def expired_button(update: Update, context: Context) -> None:
    """Any other callback data (forged, or from an older keyboard): say it has expired."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.EXPIRED)


def _clause(library: Library, doc_id: str, ordinal: int) -> Clause | None:
    doc = library.document(doc_id)
    if doc is None or ordinal >= len(doc.clauses):
        return None
    clause: Clause = doc.clauses[ordinal]
    return clause


def _chapter_page(ordinal: int) -> int:
    return max(0, ordinal) // TOC_PAGE


async def _more_results(message: Message, context: Context, qid: int) -> None:
    state = chat_state(context)
    asked = state.asked.get(qid)
    if asked is None:
        await reply_html(message, context, texts.EXPIRED)
        return
    library = services(context).library
    answer = await asyncio.to_thread(library.answer, asked.text, asked.shown + 3, state.doc_id)
    new_hits = answer.hits[asked.shown :]
    if not new_hits:
        await reply_html(message, context, texts.NO_MORE)
        return
    asked.shown += len(new_hits)
    page = Answer(asked.text, "search", "ok", new_hits, terms=answer.terms)
    parts = answer_messages(page, page.terms)
    markup = answer_keyboard(page, qid, library)
    for n, part in enumerate(parts):
        await reply_html(message, context, part, markup if n == len(parts) - 1 else None)


async def _edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def error_handler(update: object, context: Context) -> None:
    """Log every handler error with context and tell the user, in Chinese, once."""
    update_id = getattr(update, "update_id", update)
    if isinstance(context.error, InvalidToken) and isinstance(context.application, Stoppable):
        context.application.fail(texts.TOKEN_REVOKED)
        return
    if isinstance(context.error, TimedOut):
        # The request may well have arrived (a slow send): an error reply would precede it.
        log.warning("Telegram did not answer in time for update %s: %s", update_id, context.error)
        return
    if (
        isinstance(context.error, Forbidden)
        and isinstance(update, Update)
        and update.effective_chat
    ):
        log.info(
            "chat %s blocked the bot; skipped until it writes again", update.effective_chat.id
        )
        services(context).blocked_chats.add(update.effective_chat.id)
        return
    log.error("handler error for update %s", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message:
        try:
            await update.effective_message.reply_text(texts.ERROR, parse_mode=None, do_quote=True)
        except Exception:  # the error reply itself failing must not loop
            log.warning("could not send the error reply", exc_info=True)
