"""/diff: what changed between two editions, as HTML pages turned with buttons."""

from __future__ import annotations

import asyncio
import hashlib
import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import render, texts
from bot.telegram.context import Context, reply_html, services
from bot.telegram.formatting import LIMIT
from retrieval.documents.diff import ArticleChange, word_diff
from retrieval.documents.editions import EditionDiff, NoDiff, by_ids, compare
from retrieval.model import Document

# d|hash of the new edition's id|old edition's date|page: ids can be long Chinese titles,
# and callback data is limited to 64 bytes.
DIFF = r"^d\|([0-9a-f]{10})\|([0-9-]*)\|([0-9]+)$"
PAGE_CHARS = LIMIT - 200  # room for the page's header lines
ENTRY_CHARS = 1500  # one article's marked text; the rest is cut with a note


def doc_hash(doc_id: str) -> str:
    """A short stable name for a document id in callback data."""
    return hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:10]


def marked_html(change: ArticleChange, budget: int = ENTRY_CHARS) -> str:
    """An article's text: inserted words <b>, removed words <s>, cut at `budget` characters.

    A wholly new article is plain (its label says 新增); a removed one is struck through."""
    if change.old is not None and change.new is not None:
        pieces = word_diff(change.old.text, change.new.text)
    elif change.new is not None:
        pieces = [("same", change.new.text)]
    else:
        pieces = [("removed", change.old.text if change.old else "")]
    out: list[str] = []
    left = budget
    for kind, text in pieces:
        part = html.escape(text[:left])
        tag = _TAGS.get(kind)
        out.append(f"<{tag}>{part}</{tag}>" if tag else part)
        left -= len(text)
        if left <= 0:
            out.append("\n" + html.escape(texts.DIFF_CUT))
            break
    return "".join(out)


_TAGS = {"added": "b", "removed": "s"}


def _entry(change: ArticleChange) -> str:
    return f"<b>{html.escape(render.change_label(change))}</b>\n{marked_html(change)}"


def diff_pages(diff: EditionDiff) -> list[str]:
    """Every page of a diff: the counts first on each, then whole articles."""
    title, *rest = render.diff_lines(diff)
    head = "\n".join([f"<b>{html.escape(title)}</b>", *map(html.escape, rest)])
    head += "\n" + html.escape(texts.DIFF_LEGEND)
    entries = [_entry(c) for c in diff.shown] or [html.escape(texts.DIFF_NOTHING)]
    pages: list[list[str]] = [[]]
    size = len(head)
    for entry in entries:
        if pages[-1] and size + len(entry) + 2 > PAGE_CHARS:
            pages.append([])
            size = len(head)
        pages[-1].append(entry)
        size += len(entry) + 2
    if len(pages) == 1:
        return [head + "\n\n" + "\n\n".join(pages[0])]
    return [
        f"{head}（{n + 1}/{len(pages)}）\n\n" + "\n\n".join(page) for n, page in enumerate(pages)
    ]


def diff_keyboard(diff: EditionDiff, page: int, pages: int) -> InlineKeyboardMarkup | None:
    """上一页 / 下一页 under a diff page."""
    key = f"d|{doc_hash(diff.new.doc_id)}|{diff.old.edition}"
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(texts.BUTTON_PAGE_PREV, callback_data=f"{key}|{page - 1}"))
    if page + 1 < pages:
        row.append(InlineKeyboardButton(texts.BUTTON_PAGE_NEXT, callback_data=f"{key}|{page + 1}"))
    return InlineKeyboardMarkup([row]) if row else None


async def diff_command(update: Update, context: Context) -> None:
    """/diff <文件>: the newest two editions compared, first page."""
    message = update.effective_message
    if message is None:
        return
    name = " ".join(context.args or []).strip()
    if not name:
        await reply_html(message, context, html.escape(texts.DIFF_USAGE))
        return
    library = services(context).library
    found = library.resolve(name)
    diff = await asyncio.to_thread(compare, library.documents, found)
    if isinstance(diff, NoDiff):
        await reply_html(message, context, html.escape(render.no_diff_text(diff, name)))
        return
    pages = diff_pages(diff)
    await reply_html(message, context, pages[0], diff_keyboard(diff, 0, len(pages)))


def _by_hash(documents: Sequence[Document], key: str) -> Document | None:
    return next((d for d in documents if doc_hash(d.doc_id) == key), None)


async def diff_button(update: Update, context: Context) -> None:
    """上一页 / 下一页 of a diff: turn to that page in place."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    key, old_edition, number = context.match.groups()
    library = services(context).library
    new = _by_hash(library.documents, key)
    diff = (
        await asyncio.to_thread(by_ids, library.documents, new.doc_id, old_edition)
        if new is not None
        else None
    )
    if diff is None or query.message is None:
        await query.answer(texts.EXPIRED)
        return
    await query.answer()
    pages = diff_pages(diff)
    page = min(int(number), len(pages) - 1)
    try:
        await context.bot.edit_message_text(
            pages[page],
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            reply_markup=diff_keyboard(diff, page, len(pages)),
        )
    except BadRequest as exc:  # pressed twice: the page is already shown
        if "not modified" not in str(exc).lower():
            raise
