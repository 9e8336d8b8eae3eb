"""Render a gathered digest to Telegram HTML parts, each knowing what sending it records."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.digest import DigestContent, gather
from bot.digest_layout import Style, digest_blocks
from bot.store.store import Cursor, DigestPart, Store, Subscription
from bot.telegram.formatting import LIMIT, hit_blocks
from retrieval.library import Library
from retrieval.model import Hit


def _bold(text: str) -> str:
    return f"<b>{text}</b>"


HTML_STYLE = Style(escape=html.escape, bold=_bold, quote=hit_blocks)


def render_parts(content: DigestContent, limit: int = LIMIT) -> tuple[DigestPart, ...]:
    """Pack the layout's blocks into as few messages of at most `limit` characters as fit."""
    parts: list[DigestPart] = []
    for block in digest_blocks(content, HTML_STYLE, limit):
        last = parts[-1] if parts else None
        if last is not None and len(last.text) + 2 + len(block.text) <= limit:
            parts[-1] = DigestPart(
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
    parts: tuple[DigestPart, ...]
    hits: tuple[Hit, ...] = ()

    @property
    def messages(self) -> tuple[str, ...]:
        """The messages, in sending order."""
        return tuple(p.text for p in self.parts)

    @property
    def cursor(self) -> Cursor | None:
        """Where the reading plan stands once every part went out."""
        return next((p.cursor for p in reversed(self.parts) if p.cursor is not None), None)

    @property
    def clause_keys(self) -> tuple[str, ...]:
        """The keyword clauses the digest quotes."""
        return tuple(k for p in self.parts for k in p.clause_keys)


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
    return Digest(subscription.chat_id, day, render_parts(content, limit), content.hits)
