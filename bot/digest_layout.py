"""The digest's layout, written once: sections in order as blocks, in a rendering's style.

`render.digest_text` (the CLI's plain text) and `telegram/digest_render` (Telegram HTML) give
the same blocks in the same order; a style only says how text is escaped, what bold looks like
and how a quoted clause is written. Each block is a DigestPart: what sending it records rides
on the last block of the clause that brings it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot import texts
from bot.digest import DigestContent, DocumentChange, NewEdition, clause_key, plan_cursor
from bot.store.store import Cursor, DigestPart
from retrieval.model import Hit

CHANGE_VERBS: dict[DocumentChange, str] = {
    "added": texts.DIGEST_ADDED,
    "changed": texts.DIGEST_CHANGED,
    "removed": texts.DIGEST_REMOVED,
}
MAX_CHANGE_LINES = 20  # a library swap can change hundreds of files: the digest names a few


@dataclass(frozen=True, slots=True)
class Style:
    """How one rendering writes the layout's pieces."""

    escape: Callable[[str], str]  # text as the rendering shows it literally
    bold: Callable[[str], str]  # of escaped text
    quote: Callable[[Hit, tuple[str, ...], int], list[str]]  # a clause as blocks within a limit


def digest_blocks(content: DigestContent, style: Style, limit: int) -> list[DigestPart]:
    """The digest as blocks of at most `limit` characters, in the order chats get them."""
    title = texts.DIGEST_TITLE.format(day=content.day.isoformat())
    blocks = [_heading(style, title)]
    if content.lead:
        blocks.append(DigestPart(style.escape(content.lead)))
    if content.today is not None:
        blocks.append(_heading(style, texts.DIGEST_TODAY))
        cursor = plan_cursor(content.today.clause)
        blocks += _quoted(style, content.today, (), limit, cursor=cursor)
    if content.keywords:
        blocks.append(
            _heading(style, texts.DIGEST_KEYWORDS.format(words="、".join(content.keywords)))
        )
        for hit in content.keyword_hits:
            keys = (clause_key(hit.clause),)
            blocks += _quoted(style, hit, content.keywords, limit, keys=keys)
        if not content.keyword_hits:
            blocks.append(DigestPart(style.escape(texts.DIGEST_NO_KEYWORD_HITS)))
    if content.questions:
        lines = [style.bold(style.escape(texts.DIGEST_QUESTIONS))]
        for q in content.questions:
            answered = "、".join(q.sections) if q.sections else texts.DIGEST_UNANSWERED
            lines.append(f"• {style.escape(q.question[:60])} → {style.escape(answered)}")
        blocks.append(DigestPart("\n".join(lines)))
    if content.changes or content.editions:
        room = limit - len(style.bold(""))  # the heading's markup (HTML: <b></b>) takes room too
        [heading, *lines] = change_lines(content.changes, room, style.escape, content.editions)
        blocks.append(DigestPart("\n".join([style.bold(heading), *lines])))
    return blocks


def _heading(style: Style, text: str) -> DigestPart:
    return DigestPart(style.bold(style.escape(text)))


def _quoted(
    style: Style,
    hit: Hit,
    terms: tuple[str, ...],
    limit: int,
    cursor: Cursor | None = None,
    keys: tuple[str, ...] = (),
) -> list[DigestPart]:
    """A quoted clause's blocks; the last carries what sending the clause records."""
    pieces = style.quote(hit, terms, limit)
    return [DigestPart(p) for p in pieces[:-1]] + [DigestPart(pieces[-1], cursor, keys)]


def edition_lines(news: NewEdition) -> list[str]:
    """A new edition in the 文件更新 section: counts, a few changed articles, how to see all."""
    lines = [
        texts.DIGEST_EDITION.format(title=news.title[:80], edition=news.edition, **news.counts)
    ]
    for change, words in news.articles:
        clause = change.new or change.old
        if clause is None:
            continue
        matched = texts.DIGEST_EDITION_MATCHED.format(words="、".join(words)) if words else ""
        excerpt = " ".join(clause.text.split())
        lines.append(
            texts.DIGEST_EDITION_ARTICLE.format(
                label=clause.label,
                kind=texts.DIFF_KIND[change.kind],
                matched=matched,
                excerpt=excerpt[:40] + ("…" if len(excerpt) > 40 else ""),
            )
        )
    lines.append(texts.DIGEST_EDITION_ALL.format(name=news.short))
    return lines


def change_lines(
    changes: Sequence[tuple[DocumentChange, str]],
    limit: int,
    escape: Callable[[str], str] = str,
    editions: Sequence[NewEdition] = (),
) -> list[str]:
    """The 文件更新 section within `limit` characters: new editions with what they changed,
    then the first other changes, then how many more."""
    lines = [escape(texts.DIGEST_CHANGES)]
    size = len(lines[0])
    for news in editions:
        block = [escape(line) for line in edition_lines(news)]
        if size + sum(1 + len(line) for line in block) > limit // 2:
            block = block[:1]  # many editions at once: one line each, within half the room
        if size + 1 + len(block[0]) > limit // 2:
            break
        lines += block
        size += sum(1 + len(line) for line in block)
    for n, (kind, title) in enumerate(changes):
        line = f"• {CHANGE_VERBS[kind]}《{escape(title[:80])}》"
        rest = len(changes) - n
        more = escape(texts.DIGEST_MORE_CHANGES.format(n=rest))
        fits = size + 1 + len(line) + (1 + len(more) if rest > 1 else 0) <= limit
        if n >= MAX_CHANGE_LINES or not fits:
            return [*lines, more]
        lines.append(line)
        size += 1 + len(line)
    return lines
