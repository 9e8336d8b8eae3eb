"""Render a gathered digest to Telegram HTML parts, each knowing what sending it records."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot import texts
from bot.digest import DigestContent, clause_key, gather
from bot.render import change_lines
from bot.store.store import Store, Subscription
from bot.telegram.formatting import LIMIT, hit_blocks
from retrieval.library import Library
from retrieval.model import Hit

Cursor = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Part:
    """One message of a digest and what its sending records: plan cursor, keyword clauses."""

    text: str
    cursor: Cursor | None = None
    clause_keys: tuple[str, ...] = ()


def _blocks(content: DigestContent, limit: int) -> list[Part]:
    """The digest as blocks; a quoted clause's effect rides on its last block."""
    title = texts.DIGEST_TITLE.format(day=content.day.isoformat())
    blocks = [Part(f"<b>{html.escape(title)}</b>")]
    if content.lead:
        blocks.append(Part(html.escape(content.lead)))
    if content.today is not None:
        blocks.append(Part(f"<b>{html.escape(texts.DIGEST_TODAY)}</b>"))
        clause = content.today.clause
        blocks.extend(_hit(content.today, (), limit, cursor=(clause.doc_id, clause.ordinal)))
    if content.keywords:
        words = texts.DIGEST_KEYWORDS.format(words="、".join(content.keywords))
        blocks.append(Part(f"<b>{html.escape(words)}</b>"))
        for hit in content.keyword_hits:
            blocks.extend(_hit(hit, content.keywords, limit, keys=(clause_key(hit.clause),)))
        if not content.keyword_hits:
            blocks.append(Part(html.escape(texts.DIGEST_NO_KEYWORD_HITS)))
    if content.questions:
        lines = [f"<b>{html.escape(texts.DIGEST_QUESTIONS)}</b>"]
        for q in content.questions:
            answered = "、".join(q.sections) if q.sections else texts.DIGEST_UNANSWERED
            lines.append(f"• {html.escape(q.question[:60])} → {html.escape(answered)}")
        blocks.append(Part("\n".join(lines)))
    if content.changes or content.editions:
        # The heading's <b></b> takes 7 characters of the message.
        [heading, *lines] = change_lines(content.changes, limit - 7, html.escape, content.editions)
        blocks.append(Part("\n".join([f"<b>{heading}</b>", *lines])))
    return blocks


def _hit(
    hit: Hit,
    terms: tuple[str, ...],
    limit: int,
    cursor: Cursor | None = None,
    keys: tuple[str, ...] = (),
) -> list[Part]:
    pieces = hit_blocks(hit, terms, limit)
    return [Part(p) for p in pieces[:-1]] + [Part(pieces[-1], cursor, keys)]


def render_parts(content: DigestContent, limit: int = LIMIT) -> tuple[Part, ...]:
    """Pack the blocks into as few messages of at most `limit` characters as fit."""
    parts: list[Part] = []
    for block in _blocks(content, limit):
        last = parts[-1] if parts else None
        if last is not None and len(last.text) + 2 + len(block.text) <= limit:
            parts[-1] = Part(
                last.text + "\n\n" + block.text,
                block.cursor or last.cursor,
                last.clause_keys + block.clause_keys,
            )
        else:
            parts.append(block)
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class Digest:
    """What one digest says, and what sending it changes."""

    chat_id: int
    day: date
    messages: tuple[str, ...]
    cursor: tuple[str, int] | None
    clause_keys: tuple[str, ...]
    hits: tuple[Hit, ...] = ()


def build_digest(
    library: Library,
    store: Store,
    subscription: Subscription,
    day: date,
    now: datetime,
    lead: str | None = None,
    limit: int = LIMIT,
) -> Digest:
    """Gather and render the digest for one chat and day; nothing is recorded."""
    content = replace(gather(library, store, subscription, day, now), lead=lead)
    parts = render_parts(content, limit)
    today = content.today
    return Digest(
        subscription.chat_id,
        day,
        tuple(p.text for p in parts),
        (today.clause.doc_id, today.clause.ordinal) if today is not None else None,
        tuple(k for p in parts for k in p.clause_keys),
        content.hits,
    )
