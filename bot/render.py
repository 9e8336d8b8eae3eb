"""Render answers and digests as plain text (terminal) and answers as JSON (CLI contract)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot import texts
from retrieval.library import MAX_QUERY_CHARS, Library
from retrieval.lookup.card import quoted_title
from retrieval.model import Answer, Clause, Document, DocumentCard, Hit

if TYPE_CHECKING:  # annotations only: digests, editions and diffs are imported where shown
    from bot.digest import DigestContent
    from bot.digest_layout import Style
    from retrieval.documents.citations import Citation
    from retrieval.documents.diff import ArticleChange
    from retrieval.documents.editions import EditionDiff, NoDiff

MESSAGE_CHARS = 4096  # Telegram's limit; the CLI's digest keeps each section within it too


def hit_json(hit: Hit) -> dict[str, Any]:
    """One hit in the CLI contract's shape."""
    clause = hit.clause
    return {
        "doc_id": clause.doc_id,
        "doc_title": hit.doc_title,
        "section": clause.label,
        "heading": clause.heading,
        "text": clause.text,
        "score": float(hit.score),
    }


def citation_json(citation: Citation) -> dict[str, Any]:
    """A cited (or citing) clause: document, section, and whether the document is loaded."""
    return {
        "doc_id": citation.doc_id,
        "doc_title": citation.doc_title,
        "section": citation.section,
        "in_library": citation.in_library,
    }


def related_json(library: Library, clause: Clause) -> dict[str, Any]:
    """A related clause of another document: document, section and its text."""
    return {
        "doc_id": clause.doc_id,
        "doc_title": library.title(clause),
        "section": clause.label,
        "text": clause.text,
    }


def to_json(answer: Answer, links: Callable[[Hit], dict[str, Any]] | None = None) -> str:
    """One JSON line exactly as the README's `--json` contract.

    For not_found the hits are the nearest existing sections, scored 0. `links` adds fields
    to each found hit (`clause` adds cites / cited_by)."""
    hits = answer.hits if answer.status == "ok" else answer.suggestions
    found = answer.status == "ok" and links is not None
    line: dict[str, Any] = {
        "query": answer.query,
        "mode": answer.mode,
        "status": answer.status,
        "hits": [hit_json(h) | (links(h) if found and links else {}) for h in hits],
        "summary": answer.summary,
    }
    if answer.status == "ambiguous":
        # Added only to these lines: the contract's other lines keep exactly their fields.
        line["name"] = answer.missing
        line["candidates"] = [
            {"doc_id": h.clause.doc_id, "doc_title": h.doc_title} for h in answer.suggestions
        ]
    return json.dumps(line, ensure_ascii=False)


def hit_text(hit: Hit) -> str:
    """Title, section and breadcrumb on top, the verbatim quote below."""
    clause = hit.clause
    head = f"{quoted_title(hit.doc_title)}{clause.label}"
    if clause.heading and clause.kind not in ("section", "item"):
        head += f" {clause.heading}"
    lines = [head]
    if clause.breadcrumb:
        lines.append("（" + " › ".join(clause.breadcrumb) + "）")
    lines.extend(f"  {line}" for line in clause.text.splitlines())
    if clause.incomplete:
        lines.append(f"  {texts.INCOMPLETE}")
    return "\n".join(lines)


def to_text(answer: Answer) -> str:
    """A plain-text rendering of an answer for the terminal chat."""
    parts: list[str] = []
    if answer.note == "too_long":
        parts.append(texts.TOO_LONG.format(limit=MAX_QUERY_CHARS))
    if answer.summary:
        parts.append(f"摘要：{answer.summary}")
    if answer.card is not None:
        parts.append(card_text(answer.card))
    elif answer.status == "ok":
        if answer.note == "ambiguous":
            parts.append(texts.AMBIGUOUS)
        parts.extend(hit_text(h) for h in answer.hits)
    elif answer.note == "empty":
        parts.append(texts.EMPTY)
    elif answer.status == "abstain":
        parts.extend([texts.ABSTAIN, texts.ABSTAIN_TIPS])
    elif answer.status == "not_in_library":
        parts.append(texts.NOT_IN_LIBRARY.format(name=answer.missing))
        if answer.suggestions:
            titles = [f"  {quoted_title(h.doc_title)}" for h in answer.suggestions]
            parts.append("\n".join([texts.CLOSEST_TITLES, *titles]))
        else:
            parts.append(texts.NO_CLOSE_TITLES)
    elif answer.status == "ambiguous":
        titles = [f"  {quoted_title(h.doc_title)}" for h in answer.suggestions]
        parts.append("\n".join([texts.AMBIGUOUS_NAME.format(name=answer.missing), *titles]))
    elif answer.note == "unknown_doc":
        parts.append(texts.UNKNOWN_DOC)
    else:
        parts.append(texts.NOT_FOUND)
        if answer.suggestions:
            parts.append("\n".join([texts.NEAREST, *map(suggestion_line, answer.suggestions)]))
    return "\n\n".join(parts)


def card_lines(card: DocumentCard) -> list[str]:
    """The lines of a document card below its title (plain text; callers escape for HTML)."""
    lines = []
    if card.issuer:
        lines.append(texts.CARD_ISSUER.format(issuer=card.issuer))
    if card.date:
        lines.append(texts.CARD_DATE.format(date=card.date))
    if card.edition and card.edition != card.date:
        state = texts.EDITION_OLD if card.superseded else texts.EDITION_CURRENT
        lines.append(texts.CARD_EDITION.format(edition=card.edition + state))
    kind = texts.KIND_NAMES.get(card.kind, card.kind)
    lines.append(texts.CARD_SIZE.format(kind=kind, count=card.clause_count))
    if card.chapters:
        lines.append(texts.CARD_CHAPTERS)
        lines.extend(f"  {chapter}" for chapter in card.chapters)
    lines.append(texts.CARD_HINT.format(name=card.short))
    return lines


def card_text(card: DocumentCard) -> str:
    """A document card for the terminal."""
    return "\n".join([quoted_title(card.title), *card_lines(card)])


def suggestion_line(hit: Hit) -> str:
    """One nearest-section line: title, label and heading."""
    return f"  {quoted_title(hit.doc_title)}{hit.clause.label} {hit.clause.heading or ''}".rstrip()


def doc_line(doc: Document) -> str:
    """One line of the document list."""
    kind = texts.KIND_NAMES.get(doc.kind, doc.kind)
    line = f"{doc.doc_id}  {quoted_title(doc.title)} [{kind}] {len(doc.clauses)} 条"
    if doc.edition:
        line += f" {doc.edition}{texts.EDITION_OLD if doc.superseded else texts.EDITION_CURRENT}"
    return line


def toc_text(doc: Document) -> str:
    """The table of contents: chapters as headers, clause labels and headings below."""
    lines = [f"{quoted_title(doc.title)}目录"]
    crumb: tuple[str, ...] = ()
    for clause in doc.clauses:
        if clause.breadcrumb and clause.breadcrumb != crumb:
            crumb = clause.breadcrumb
            lines.append(" › ".join(crumb))
        first = (clause.heading or clause.text.splitlines()[0])[:30]
        lines.append(f"  {clause.label} {first}")
    return "\n".join(lines)


def digest_text(content: DigestContent) -> str:
    """A gathered digest as plain text (for `policybot digest`), in the order chats get it."""
    # The digest's modules (store, editions) are imported by digests only: `ask` needs none.
    from bot.digest_layout import digest_blocks

    blocks = digest_blocks(content, text_style(), MESSAGE_CHARS)
    return "\n\n".join(block.text for block in blocks)


def _as_is(text: str) -> str:
    return text


def _quoted_text(hit: Hit, terms: tuple[str, ...], limit: int) -> list[str]:
    return [hit_text(hit)]  # the terminal scrolls: one block, whatever its length


def text_style() -> Style:
    """The digest layout's style for plain text."""
    from bot.digest_layout import Style

    return Style(escape=_as_is, bold=_as_is, quote=_quoted_text)


# --- edition diffs -----------------------------------------------------------------------


def diff_lines(diff: EditionDiff) -> list[str]:
    """The first lines of a diff: which editions, and how many articles of each kind."""
    return [
        texts.DIFF_HEADER.format(
            title=diff.new.title, old=edition_name(diff.old), new=edition_name(diff.new)
        ),
        texts.DIFF_COUNTS.format(**diff.counts),
    ]


def edition_name(doc: Document) -> str:
    """An edition's date, or a word saying it has none."""
    return doc.edition or texts.DIFF_UNDATED


def change_label(change: ArticleChange) -> str:
    """【修改】第五条, 【条序调整】第五条 → 第六条 …"""
    kind = texts.DIFF_KIND[change.kind]
    if change.old is not None and change.new is not None and change.old.label != change.new.label:
        return f"【{kind}】{change.old.label} → {change.new.label}"
    clause = change.new or change.old
    return f"【{kind}】{clause.label if clause else ''}"


def marked_text(change: ArticleChange) -> str:
    """The article's text with [+added+] and [-removed-] words (plain text)."""
    if change.old is None or change.new is None:
        clause = change.new or change.old
        return clause.text if clause else ""
    out = []
    from retrieval.documents.diff import word_diff

    for kind, text in word_diff(change.old.text, change.new.text):
        out.append(text if kind == "same" else f"[+{text}+]" if kind == "added" else f"[-{text}-]")
    return "".join(out)


def diff_text(diff: EditionDiff) -> str:
    """A diff as plain text for the terminal."""
    lines = diff_lines(diff)
    if not diff.shown:
        return "\n".join([*lines, texts.DIFF_NOTHING])
    blocks = ["\n".join(lines)]
    blocks += [f"{change_label(c)}\n{marked_text(c)}" for c in diff.shown]
    return "\n\n".join(blocks)


def diff_json(diff: EditionDiff) -> str:
    """A diff as one JSON object: editions, counts, and the changed articles with words."""
    from retrieval.documents.diff import word_diff

    articles = [
        {
            "kind": c.kind,
            "old_section": c.old.label if c.old else None,
            "new_section": c.new.label if c.new else None,
            "old_text": c.old.text if c.old else None,
            "new_text": c.new.text if c.new else None,
            "similarity": round(c.similarity, 3),
            "words": (
                [[k, t] for k, t in word_diff(c.old.text, c.new.text)]
                if c.old is not None and c.new is not None
                else None
            ),
        }
        for c in diff.shown
    ]
    return json.dumps(
        {
            "doc_title": diff.new.title,
            "from": {"doc_id": diff.old.doc_id, "edition": diff.old.edition},
            "to": {"doc_id": diff.new.doc_id, "edition": diff.new.edition},
            "counts": diff.counts,
            "articles": articles,
        },
        ensure_ascii=False,
    )


def no_diff_text(why: NoDiff, name: str) -> str:
    """Why no diff: unknown document, one edition, or a date no edition has."""
    if why.document is None:
        return texts.DIFF_UNKNOWN.format(name=name)
    dates = "、".join(d or texts.DIFF_UNDATED for d in why.dates)
    template = texts.DIFF_ONE_EDITION if why.reason == "one_edition" else texts.DIFF_NO_DATE
    return template.format(title=why.document.title, dates=dates)


def citation_line(citation: Citation) -> str:
    """《标题》第N条, or that it is not in the library / has no such article."""
    name = f"{quoted_title(citation.doc_title)}{citation.section}"
    if not citation.in_library:
        return f"{name}（{texts.CITED_NOT_IN_LIBRARY}）"
    if citation.ordinal is None:
        return f"{name}（{texts.CITED_NOT_FOUND}）"
    return name
