"""Render answers as Telegram HTML: escaped, query terms in bold, within a message's limit."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from telegram.constants import MessageLimit

from bot import texts
from bot.render import card_lines
from retrieval.library import MAX_QUERY_CHARS
from retrieval.lookup.card import quoted_title
from retrieval.model import Answer, Hit

LIMIT = MessageLimit.MAX_TEXT_LENGTH
_EXPAND_OVER = 400


def emphasize(text: str, terms: Iterable[str]) -> str:
    """Escape text and wrap occurrences of the terms in <b>."""
    words = sorted({t for t in terms if len(t) >= 2 and t in text}, key=len, reverse=True)
    if not words:
        return html.escape(text, quote=False)
    pattern = re.compile("|".join(re.escape(w) for w in words))
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()], quote=False))
        out.append(f"<b>{html.escape(match.group(0), quote=False)}</b>")
        last = match.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def _quote(paragraphs: list[str], terms: Iterable[str], expandable: bool) -> str:
    tag = "<blockquote expandable>" if expandable else "<blockquote>"
    return tag + "\n".join(emphasize(p, terms) for p in paragraphs) + "</blockquote>"


def hit_blocks(hit: Hit, terms: Iterable[str], limit: int = LIMIT) -> list[str]:
    """One hit as HTML, split into blocks of at most `limit` characters at paragraph breaks."""
    clause = hit.clause
    head = f"<b>{html.escape(quoted_title(hit.doc_title))}{html.escape(clause.label)}</b>"
    if clause.heading and clause.kind in ("paragraph", "lead"):
        head += f" {html.escape(clause.heading)}"
    if clause.breadcrumb:
        head += "\n<i>" + html.escape(" › ".join(clause.breadcrumb)) + "</i>"
    tail = f"\n<i>{texts.INCOMPLETE}</i>" if clause.incomplete else ""
    expandable = len(clause.text) > _EXPAND_OVER
    terms = list(terms)
    blocks: list[str] = []
    current: list[str] = []
    for paragraph in _pieces(clause.text, limit // 2):
        candidate = [*current, paragraph]
        prefix = head + "\n" if not blocks else ""
        if current and len(prefix + _quote(candidate, terms, expandable)) > limit - len(tail):
            blocks.append(prefix + _quote(current, terms, expandable))
            current = [paragraph]
        else:
            current = candidate
    prefix = head + "\n" if not blocks else ""
    blocks.append(prefix + _quote(current, terms, expandable) + tail)
    return blocks


def _pieces(text: str, size: int) -> list[str]:
    """Paragraphs, with any paragraph longer than `size` cut at sentence ends."""
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        while len(paragraph) > size:
            cut = max(paragraph.rfind("。", 0, size), paragraph.rfind("；", 0, size))
            cut = cut + 1 if cut > 0 else size
            out.append(paragraph[:cut])
            paragraph = paragraph[cut:]
        out.append(paragraph)
    return out


def pack(blocks: list[str], limit: int = LIMIT) -> list[str]:
    """Join blocks into as few messages as fit, never splitting a block."""
    messages: list[str] = []
    for block in blocks:
        if messages and len(messages[-1]) + 2 + len(block) <= limit:
            messages[-1] += "\n\n" + block
        else:
            messages.append(block)
    return messages


def answer_messages(answer: Answer, terms: Iterable[str], limit: int = LIMIT) -> list[str]:
    """The messages that answer a question or lookup, in order."""
    terms = list(terms)
    notes: list[str] = []
    if answer.note == "too_long":
        notes.append(html.escape(texts.TOO_LONG.format(limit=MAX_QUERY_CHARS)))
    if answer.card is not None:
        title = f"<b>{html.escape(quoted_title(answer.card.title))}</b>"
        return pack([title + "\n" + html.escape("\n".join(card_lines(answer.card)))], limit)
    if answer.status == "ok":
        if answer.note == "ambiguous":
            notes.append(html.escape(texts.AMBIGUOUS))
        if answer.summary:
            notes.append(f"<b>摘要</b>：{html.escape(answer.summary)}")
        blocks = [b for hit in answer.hits for b in hit_blocks(hit, terms, limit)]
        return pack(["\n".join(notes)] + blocks if notes else blocks, limit)
    if answer.note == "empty":
        return [html.escape(texts.EMPTY)]
    if answer.status == "abstain":
        asked = answer.query.strip()
        asked = asked if len(asked) <= 60 else asked[:60] + "…"
        body = (
            f"<b>{texts.ABSTAIN}</b>\n{html.escape(texts.YOUR_QUESTION.format(query=asked))}"
            f"\n{html.escape(texts.ABSTAIN_TIPS)}"
        )
        return pack([*notes, body], limit)
    if answer.status == "not_in_library":
        message = f"<b>{html.escape(texts.NOT_IN_LIBRARY.format(name=answer.missing))}</b>"
        if answer.suggestions:
            titles = [html.escape(quoted_title(h.doc_title)) for h in answer.suggestions]
            message += "\n" + "\n".join([texts.CLOSEST_TITLES, *titles])
        else:
            message += "\n" + html.escape(texts.NO_CLOSE_TITLES)
        return [message]
    if answer.status == "ambiguous":
        # The titles are the buttons below (keyboards.py): one press answers from that one.
        return [f"<b>{html.escape(texts.AMBIGUOUS_NAME.format(name=answer.missing))}</b>"]
    if answer.note == "unknown_doc":
        return [html.escape(texts.UNKNOWN_DOC)]
    message = f"<b>{texts.NOT_FOUND}</b>"
    if answer.suggestions:
        message += "\n" + texts.NEAREST_BUTTONS
    return [message]
