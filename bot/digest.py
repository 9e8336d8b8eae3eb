"""Build a chat's daily digest: today's clause, keyword matches, recent questions, changes."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from datetime import date, datetime

from bot import texts
from bot.context import html_to_plain
from bot.html import LIMIT, hit_blocks, pack
from bot.store import Store, Subscription
from retrieval.library import Library
from retrieval.model import Clause, Hit

PLAN_KINDS = ("policy", "regulation")
KEYWORD_HITS = 3
MAX_QUESTIONS = 10


@dataclass(frozen=True, slots=True)
class Digest:
    """What one digest says, and what sending it changes."""

    chat_id: int
    day: date
    messages: tuple[str, ...]
    cursor: tuple[str, int] | None
    clause_keys: tuple[str, ...]
    hits: tuple[Hit, ...] = ()


def clause_key(clause: Clause) -> str:
    """A stable name for a clause across restarts: document and label."""
    return f"{clause.doc_id}|{clause.label}"


def fingerprints(library: Library) -> dict[str, tuple[str, str]]:
    """doc_id → (title, hash of its clauses), to notice added and changed documents."""
    out = {}
    for doc in library.documents:
        digest = hashlib.sha256()
        for clause in doc.clauses:
            digest.update(f"{clause.label}\x00{clause.text}\x01".encode())
        out[doc.doc_id] = (doc.title, digest.hexdigest())
    return out


def reading_plan(library: Library) -> list[Clause]:
    """Every clause of the policy and regulation documents, in reading order."""
    return [c for d in library.documents if d.kind in PLAN_KINDS for c in d.clauses]


def next_clause(plan: list[Clause], cursor: tuple[str, int] | None) -> Clause | None:
    """The clause after the cursor, wrapping to the start; the first one without a cursor."""
    if not plan:
        return None
    if cursor is not None:
        for n, clause in enumerate(plan):
            if (clause.doc_id, clause.ordinal) == cursor:
                return plan[(n + 1) % len(plan)]
    return plan[0]


def keyword_hits(library: Library, keywords: tuple[str, ...], sent: set[str]) -> list[Hit]:
    """The best clauses for the keywords that this chat has not been sent yet."""
    found: list[Hit] = []
    seen = set(sent)
    for keyword in keywords:
        answer = library.search(keyword, k=10)
        for hit in answer.hits:
            key = clause_key(hit.clause)
            if key not in seen:
                seen.add(key)
                found.append(hit)
                break
    return sorted(found, key=lambda h: -h.score)[:KEYWORD_HITS]


def build_digest(
    library: Library,
    store: Store,
    subscription: Subscription,
    day: date,
    now: datetime,
    lead: str | None = None,
    limit: int = LIMIT,
) -> Digest:
    """Assemble the digest for one chat and day; nothing is recorded until it is sent."""
    chat_id = subscription.chat_id
    blocks = [f"<b>{texts.DIGEST_TITLE.format(day=day.isoformat())}</b>"]
    if lead:
        blocks.append(html.escape(lead))
    today = next_clause(reading_plan(library), store.cursor(chat_id))
    if today is not None:
        blocks.append(f"<b>{texts.DIGEST_TODAY}</b>")
        blocks.extend(hit_blocks(library.hit(today), [], limit))
    keys: list[str] = []
    quoted: list[Hit] = [library.hit(today)] if today is not None else []
    if subscription.keywords:
        blocks.append(
            f"<b>{texts.DIGEST_KEYWORDS.format(words='、'.join(subscription.keywords))}</b>"
        )
        hits = keyword_hits(library, subscription.keywords, store.sent_keys(chat_id))
        quoted.extend(hits)
        for hit in hits:
            keys.append(clause_key(hit.clause))
            blocks.extend(hit_blocks(hit, subscription.keywords, limit))
        if not hits:
            blocks.append(texts.DIGEST_NO_KEYWORD_HITS)
    since = store.last_digest_at(chat_id)
    questions = store.questions_since(chat_id, since)
    if questions:
        lines = [f"<b>{texts.DIGEST_QUESTIONS}</b>"]
        for q in questions[-MAX_QUESTIONS:]:
            answered = "、".join(q.sections) if q.sections else texts.DIGEST_UNANSWERED
            lines.append(f"• {html.escape(q.question[:60])} → {html.escape(answered)}")
        blocks.append("\n".join(lines))
    changes = store.documents_changed_since(since)
    if changes and since is not None:
        lines = [f"<b>{texts.DIGEST_CHANGES}</b>"]
        removed = store.removed_documents()
        for doc_id, title, is_new in changes:
            verb = texts.DIGEST_ADDED if is_new else texts.DIGEST_CHANGED
            if doc_id in removed:  # taken out of the corpus (bot/reload.py)
                verb = texts.DIGEST_REMOVED
            lines.append(f"• {verb}《{html.escape(title)}》")
        blocks.append("\n".join(lines))
    cursor = (today.doc_id, today.ordinal) if today is not None else None
    return Digest(chat_id, day, tuple(pack(blocks, limit)), cursor, tuple(keys), tuple(quoted))


def as_text(digest: Digest) -> str:
    """The digest as plain text (for `policybot digest`)."""
    return "\n\n".join(html_to_plain(m) for m in digest.messages)
