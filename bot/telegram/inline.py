"""Inline mode: `@bot 数据二十条第十条` in any chat offers clauses to post as quotes."""

from __future__ import annotations

import asyncio
import hashlib
import html

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update

from bot import texts
from bot.telegram.context import Context, services
from bot.telegram.formatting import LIMIT, hit_blocks
from retrieval.library import Library
from retrieval.model import Document, Hit

MAX_RESULTS = 50  # Telegram's limit per answerInlineQuery
CLAUSE_RESULTS = 20
CACHE_SECONDS = 30  # short: the corpus can change under the bot (live reload)
DESCRIPTION_CHARS = 100


async def inline_query_handler(update: Update, context: Context) -> None:
    """Clauses for a reference or question; the document list for anything useless."""
    query = update.inline_query
    if query is None:
        return
    library = services(context).library
    text = query.query.strip()
    found = await asyncio.to_thread(matching_hits, library, text) if text else ([], False, ())
    hits, nearest, terms = found
    if hits:
        results: dict[str, InlineQueryResultArticle] = {}
        for hit in hits[:MAX_RESULTS]:
            result = clause_result(hit, library, terms, nearest)
            results.setdefault(result.id, result)
        await query.answer(list(results.values()), cache_time=CACHE_SECONDS)
        return
    start = int(query.offset) if query.offset.isdigit() else 0
    docs = library.documents[start : start + MAX_RESULTS]
    following = start + MAX_RESULTS
    await query.answer(
        [doc_result(doc) for doc in docs],
        cache_time=CACHE_SECONDS,
        next_offset=str(following) if following < len(library.documents) else "",
    )


def matching_hits(library: Library, text: str) -> tuple[list[Hit], bool, tuple[str, ...]]:
    """The clauses a query names or is answered by, else the nearest sections (True), and
    the terms to highlight in them."""
    answer = library.answer(text, k=CLAUSE_RESULTS)
    if answer.status == "ok":
        return list(answer.hits), False, answer.terms
    return list(answer.suggestions), True, answer.terms


def result_id(hit: Hit) -> str:
    """A short id (at most InlineQueryResultLimit.MAX_ID_LENGTH bytes) naming the clause."""
    key = f"{hit.clause.doc_id}|{hit.clause.ordinal}".encode()
    return f"c{hit.clause.ordinal}-{hashlib.blake2s(key, digest_size=8).hexdigest()}"


def clause_result(
    hit: Hit, library: Library, terms: tuple[str, ...], nearest: bool = False
) -> InlineQueryResultArticle:
    """Title and section as the result's title, the first line as its description."""
    clause = hit.clause
    lines = clause.text.splitlines()
    first = (clause.heading or (lines[0] if lines else "")).strip()
    if nearest:
        first = f"{texts.INLINE_NEAREST}：{first}"
    return InlineQueryResultArticle(
        id=result_id(hit),
        title=f"《{library.short_name(clause)}》{clause.label}",
        description=first[:DESCRIPTION_CHARS] or None,
        input_message_content=InputTextMessageContent(quote_html(hit, list(terms))),
    )


def quote_html(hit: Hit, terms: list[str]) -> str:
    """The quote as one message under Telegram's limit: the first part of a long clause."""
    note = f"\n<i>{texts.INLINE_EXCERPT}</i>"
    blocks = hit_blocks(hit, terms, LIMIT - len(note))
    return blocks[0] + (note if len(blocks) > 1 else "")


def doc_result(doc: Document) -> InlineQueryResultArticle:
    """A document of the list: posting it tells what the document is and how to quote it."""
    kind = texts.KIND_NAMES.get(doc.kind, doc.kind)
    example = f"{doc.short or doc.title} {doc.clauses[0].label}" if doc.clauses else doc.title
    digest = hashlib.blake2s(doc.doc_id.encode(), digest_size=8).hexdigest()
    return InlineQueryResultArticle(
        id=f"d-{digest}",
        title=f"《{doc.title}》",
        description=texts.INLINE_DOC_DESCRIPTION.format(kind=kind, count=len(doc.clauses)),
        input_message_content=InputTextMessageContent(
            html.escape(
                texts.INLINE_DOC_MESSAGE.format(
                    title=doc.title, kind=kind, count=len(doc.clauses), example=example
                )
            ),
        ),
    )
