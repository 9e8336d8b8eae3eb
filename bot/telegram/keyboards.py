"""Inline keyboards, and the callback data patterns each kind of button is handled by."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit

from bot import texts
from retrieval.library import Library
from retrieval.lookup.card import quoted_title
from retrieval.model import Answer, Clause, Document

TOC_PAGE = 15

# Callback data is "<kind>|<fields>"; app.py routes each pattern to its handler. The format is
# kept as is, so buttons under messages sent before an upgrade still work.
MORE = r"^m\|([0-9]+)$"  # m|question id
NEIGHBOUR = r"^n\|(.+)\|([0-9]+)$"  # n|doc_id|clause ordinal
CHAPTER = r"^h\|(.+)\|([0-9]+)$"  # h|doc_id|clause ordinal
TOC = r"^t\|(.+)\|([0-9]+)$"  # t|doc_id|page
SOURCE = r"^s\|(.+)$"  # s|doc_id
CITES = r"^c\|(.+)\|([0-9]+)$"  # c|doc_id|clause ordinal
CITED_BY = r"^y\|(.+)\|([0-9]+)$"  # y|doc_id|clause ordinal
# w|question id|candidate: which of the documents a shared name fits (ids may be too long).
WHICH = r"^w\|([0-9]+)\|([0-9]+)$"
RELATED = r"^a\|(.+)\|([0-9]+)$"  # a|doc_id|clause ordinal (alike)


def clause_keyboard(
    clause: Clause, library: Library, with_source: bool = False
) -> InlineKeyboardMarkup:
    """上一条 / 下一条 / 本章目录 (and 来源文件) for one clause."""
    doc = library.document(clause.doc_id)
    row: list[InlineKeyboardButton] = []
    if doc is not None and clause.ordinal > 0:
        row.append(_button(texts.BUTTON_PREV, f"n|{doc.doc_id}|{clause.ordinal - 1}"))
    if doc is not None and clause.ordinal + 1 < len(doc.clauses):
        row.append(_button(texts.BUTTON_NEXT, f"n|{doc.doc_id}|{clause.ordinal + 1}"))
    row.append(_button(texts.BUTTON_CHAPTER, f"h|{clause.doc_id}|{clause.ordinal}"))
    rows = [row]
    extra = []
    if library.cites(clause):
        extra.append(_button(texts.BUTTON_CITES, f"c|{clause.doc_id}|{clause.ordinal}"))
    # Only once every clause was read (at start, off the loop): an answer never waits on it.
    if library.citations.ready and library.cited_by(clause):
        extra.append(_button(texts.BUTTON_CITED_BY, f"y|{clause.doc_id}|{clause.ordinal}"))
    if library.relations.ready and library.related(clause):
        extra.append(_button(texts.BUTTON_RELATED, f"a|{clause.doc_id}|{clause.ordinal}"))
    if with_source:
        extra.append(_button(texts.BUTTON_SOURCE, f"s|{clause.doc_id}"))
    if extra:
        rows.append(extra)
    return InlineKeyboardMarkup(rows)


def answer_keyboard(answer: Answer, qid: int, library: Library) -> InlineKeyboardMarkup | None:
    """Buttons under an answer: nearest sections for not_found, navigation otherwise."""
    if answer.status == "not_found":
        buttons = [
            [
                _button(
                    f"{h.clause.label} {h.clause.heading or ''}".strip()[:30],
                    f"n|{h.clause.doc_id}|{h.clause.ordinal}",
                )
            ]
            for h in answer.suggestions[:6]
        ]
        return InlineKeyboardMarkup(buttons) if buttons else None
    if answer.status == "ambiguous":
        rows = [
            [_button(quoted_title(h.doc_title)[:40], f"w|{qid}|{n}")]
            for n, h in enumerate(answer.suggestions[:8])
        ]
        return InlineKeyboardMarkup(rows) if rows and qid else None
    if answer.status == "not_in_library":
        rows = [
            [_button(h.doc_title[:30], f"t|{h.clause.doc_id}|0")] for h in answer.suggestions[:3]
        ]
        return InlineKeyboardMarkup(rows) if rows else None
    if answer.card is not None:
        doc_id = answer.card.doc_id
        return InlineKeyboardMarkup(
            [
                [
                    _button(texts.BUTTON_TOC, f"t|{doc_id}|0"),
                    _button(texts.BUTTON_SOURCE, f"s|{doc_id}"),
                ]
            ]
        )
    if answer.status != "ok" or not answer.hits:
        return None
    keyboard = clause_keyboard(answer.hits[0].clause, library, with_source=answer.mode == "lookup")
    rows = [list(r) for r in keyboard.inline_keyboard]
    if answer.mode == "search" and qid:
        rows.insert(0, [_button(texts.BUTTON_MORE, f"m|{qid}")])
    return InlineKeyboardMarkup(rows)


def toc_page(doc: Document, page: int) -> tuple[str, int]:
    """One page of a document's table of contents, and the number of pages."""
    pages = max(1, -(-len(doc.clauses) // TOC_PAGE))
    page = min(max(page, 0), pages - 1)
    lines = [f"<b>{html.escape(quoted_title(doc.title))}目录</b>（{page + 1}/{pages}）"]
    crumb: tuple[str, ...] = ()
    for clause in doc.clauses[page * TOC_PAGE : (page + 1) * TOC_PAGE]:
        if clause.breadcrumb and clause.breadcrumb != crumb:
            crumb = clause.breadcrumb
            lines.append(f"<i>{html.escape(' › '.join(crumb))}</i>")
        first = (clause.heading or clause.text.splitlines()[0])[:24]
        lines.append(f"{html.escape(clause.label)} {html.escape(first)}")
    return "\n".join(lines), pages


def toc_keyboard(doc: Document, page: int, pages: int) -> InlineKeyboardMarkup | None:
    """上一页 / 下一页 for a long table of contents."""
    row = []
    if page > 0:
        row.append(_button(texts.BUTTON_PAGE_PREV, f"t|{doc.doc_id}|{page - 1}"))
    if page + 1 < pages:
        row.append(_button(texts.BUTTON_PAGE_NEXT, f"t|{doc.doc_id}|{page + 1}"))
    return InlineKeyboardMarkup([row]) if row else None


def _button(text: str, data: str) -> InlineKeyboardButton:
    if len(data.encode("utf-8")) > InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
        raise ValueError(f"callback data too long: {data!r}")
    return InlineKeyboardButton(text, callback_data=data)
