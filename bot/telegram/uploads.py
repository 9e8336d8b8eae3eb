"""Admins keep the library from the chat: send a file, /remove, /reload."""

from __future__ import annotations

import asyncio
import html
import logging
from pathlib import PurePath

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType

from bot import texts
from bot.state import Reindexer, Services
from bot.telegram.context import Context, reply_html, services
from bot.upkeep import curator
from bot.upkeep.building import Change
from bot.upkeep.sandbox import ParseFailed, parse_upload
from retrieval.corpus import MAX_FILE_BYTES

log = logging.getLogger(__name__)
MB = 1024 * 1024
MAX_WARNINGS = 8
MAX_DOCS_LISTED = 20  # keep the preview well under MessageLimit.MAX_TEXT_LENGTH


def is_admin(svc: Services, user_id: int | None) -> bool:
    """A user listed in POLICYBOT_ADMIN_IDS."""
    return user_id is not None and user_id in svc.settings.admin_ids


def _reloader(svc: Services) -> Reindexer:
    if svc.reloader is None:
        raise RuntimeError("the reloader starts in post_init")
    return svc.reloader


async def _admin_message(update: Update, context: Context) -> Message | None:
    """The message, when an admin sent it; anyone else is told politely."""
    message = update.effective_message
    if message is None:
        return None
    user = update.effective_user
    if not is_admin(services(context), user.id if user else None):
        await reply_html(message, context, html.escape(texts.ADMIN_ONLY))
        return None
    return message


# --- a document sent in a private chat ----------------------------------------------------


async def document_handler(update: Update, context: Context) -> None:
    """Parse an admin's file and ask whether to add it; refuse anyone else's."""
    message = update.effective_message
    if message is None or message.document is None or message.chat.type != ChatType.PRIVATE:
        return
    svc = services(context)
    user = update.effective_user
    if not is_admin(svc, user.id if user else None):
        await reply_html(message, context, html.escape(texts.UPLOAD_REFUSED))
        return
    name = curator.safe_name(message.document.file_name)
    problem = _upload_problem(svc, name, message.document.file_size or 0)
    if problem:
        await reply_html(message, context, html.escape(problem))
        return
    file = await message.document.get_file()
    data = bytes(await file.download_as_bytearray())
    problem = _upload_problem(svc, name, len(data))
    if problem:
        await reply_html(message, context, html.escape(problem))
        return
    corpus = svc.settings.corpus_dir
    try:
        parsed = await parse_upload(name, data)
    except ParseFailed as exc:
        log.warning("upload %s not parsed: %s", name, exc)
        await reply_html(message, context, html.escape(texts.UPLOAD_UNPARSABLE.format(why=exc)))
        return
    found = curator.preview(name, parsed, svc.library, corpus)
    markup = None
    if found.found:
        assert user is not None
        key = curator.remember(svc.pending, curator.Pending("add", user.id, name, data))
        markup = _confirm(texts.BUTTON_ACCEPT, f"u|ok|{key}", f"u|no|{key}")
    await reply_html(message, context, preview_html(found), markup)


def _upload_problem(svc: Services, name: str, size: int) -> str | None:
    if PurePath(name).suffix.lower() not in curator.UPLOAD_SUFFIXES:
        return texts.UPLOAD_BAD_TYPE.format(suffixes=" ".join(curator.UPLOAD_SUFFIXES))
    limit = min(svc.settings.max_upload_mb, MAX_FILE_BYTES / MB)  # the corpus reads no more
    if size > limit * MB:
        return texts.UPLOAD_TOO_BIG.format(size=size / MB, limit=limit)
    if not curator.writable(svc.settings.corpus_dir):
        return texts.UPLOAD_NOT_WRITABLE.format(corpus=svc.settings.corpus_dir)
    return None


def preview_html(found: curator.Preview) -> str:
    """The parse result: documents with kind and clause count, then the warnings."""
    lines = [html.escape(texts.UPLOAD_FOUND.format(name=found.name))]
    for doc in found.found[:MAX_DOCS_LISTED]:
        kind = texts.KIND_NAMES.get(doc.kind, doc.kind)
        line = texts.UPLOAD_DOC.format(title=doc.title, kind=kind, count=doc.clauses)
        lines.append("• " + html.escape(line + (texts.UPLOAD_SAME_TITLE if doc.merges else "")))
    if len(found.found) > MAX_DOCS_LISTED:
        lines.append(f"… ({len(found.found)})")
    if found.replaces:
        lines.append(html.escape(texts.UPLOAD_REPLACES.format(name=found.name)))
    if found.warnings:
        lines.append(f"<b>{texts.UPLOAD_WARNINGS}</b>")
        lines.extend(f"• {html.escape(w[:200])}" for w in found.warnings[:MAX_WARNINGS])
    lines.append(html.escape(texts.UPLOAD_ASK if found.found else texts.UPLOAD_NOTHING))
    return "\n".join(lines)


def _confirm(label: str, yes: str, no: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=yes),
                InlineKeyboardButton(texts.BUTTON_CANCEL, callback_data=no),
            ]
        ]
    )


# --- /remove and /reload ---------------------------------------------------------------


async def remove_command(update: Update, context: Context) -> None:
    """/remove <文件>: name the files that would go, and ask to confirm."""
    message = await _admin_message(update, context)
    if message is None:
        return
    svc = services(context)
    name = " ".join(context.args or []).strip()
    if not name:
        await reply_html(message, context, html.escape(texts.REMOVE_USAGE))
        return
    if not curator.writable(svc.settings.corpus_dir):
        text = texts.UPLOAD_NOT_WRITABLE.format(corpus=svc.settings.corpus_dir)
        await reply_html(message, context, html.escape(text))
        return
    files, titles = curator.files_for(name, svc.library, svc.settings.corpus_dir)
    if not files:
        await reply_html(message, context, html.escape(texts.REMOVE_UNKNOWN.format(name=name)))
        return
    assert update.effective_user is not None
    pending = curator.Pending("remove", update.effective_user.id, name, files=tuple(files))
    key = curator.remember(svc.pending, pending)
    text = texts.REMOVE_CONFIRM.format(
        files="\n".join(files), titles="、".join(f"《{t}》" for t in titles) or "—"
    )
    markup = _confirm(texts.BUTTON_CONFIRM_REMOVE, f"r|ok|{key}", f"r|no|{key}")
    await reply_html(message, context, html.escape(text), markup)


async def reload_command(update: Update, context: Context) -> None:
    """/reload: re-index the corpus directory now and say what changed."""
    message = await _admin_message(update, context)
    if message is None:
        return
    change = await _reloader(services(context)).reload()
    await reply_html(message, context, html.escape(change_text(change)))


def change_text(change: Change) -> str:
    """The totals after a reload and the documents it added, changed or removed."""
    lines = [
        texts.RELOADED.format(
            documents=change.documents, clauses=change.clauses, problems=change.problems
        )
    ]
    for template, titles in (
        (texts.RELOAD_ADDED, change.added),
        (texts.RELOAD_CHANGED, change.changed),
        (texts.RELOAD_REMOVED, change.removed),
    ):
        if titles:
            lines.append(template.format(titles="、".join(f"《{t}》" for t in titles)))
    if not (change.added or change.changed or change.removed):
        lines.append(texts.RELOAD_NONE)
    return "\n".join(lines)


# --- the 收录 / 取消 / 确认删除 buttons -------------------------------------------------------


async def confirm_button(update: Update, context: Context) -> None:
    """Carry out or drop a pending change; only the admin who asked may decide."""
    query = update.callback_query
    if query is None or query.data is None or not isinstance(query.message, Message):
        return
    svc = services(context)
    kind, verdict, key = (query.data.split("|") + ["", ""])[:3]
    pending = svc.pending.get(key)
    if pending is None or pending.user_id != query.from_user.id:
        await query.answer(texts.EXPIRED)
        return
    del svc.pending[key]
    await query.answer()
    await query.message.edit_reply_markup(None)
    message = query.message
    if verdict != "ok":
        cancelled = texts.UPLOAD_CANCELLED if kind == "u" else texts.REMOVE_CANCELLED
        await reply_html(message, context, html.escape(cancelled))
        return
    corpus = svc.settings.corpus_dir
    trash, now = svc.settings.data_dir / "removed", svc.clock()
    try:
        if pending.action == "add":
            await asyncio.to_thread(
                curator.add_file, corpus, pending.name, pending.data, trash, now
            )
            done = texts.UPLOAD_ADDED.format(name=pending.name)
        else:
            await asyncio.to_thread(curator.remove_files, corpus, pending.files, trash, now)
            done = texts.REMOVED.format(files="、".join(pending.files))
    except OSError as exc:
        log.warning("corpus change failed: %s", exc)
        await reply_html(message, context, html.escape(texts.UPLOAD_FAILED.format(error=exc)))
        return
    change = await _reloader(svc).reload()
    await reply_html(message, context, html.escape(done + "\n" + change_text(change)))
