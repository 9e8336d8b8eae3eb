"""Gather a chat's daily digest as plain data: today's clause, keywords, questions, changes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from bot.store.store import Cursor, LoggedQuestion, Store, Subscription
from retrieval.documents.diff import ArticleChange, ChangeKind
from retrieval.documents.editions import EditionDiff, compare, editions
from retrieval.library import Library
from retrieval.model import Clause, Hit

PLAN_KINDS = ("policy", "regulation")
KEYWORD_HITS = 3
MAX_QUESTIONS = 10
EDITION_ARTICLES = 3  # changed articles named under a new edition, keyword matches first
DocumentChange = Literal["added", "changed", "removed"]  # a line of the 文件更新 section


def clause_key(clause: Clause) -> str:
    """A stable name for a clause across restarts: document and label."""
    return f"{clause.doc_id}|{clause.label}"


def plan_cursor(clause: Clause) -> Cursor:
    """Where the reading plan stands once this clause was sent."""
    return (clause.doc_id, clause.ordinal)


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


def next_clause(plan: list[Clause], cursor: Cursor | None) -> Clause | None:
    """The clause after the cursor, wrapping to the start; the first one without a cursor."""
    if not plan:
        return None
    if cursor is not None:
        for n, clause in enumerate(plan):
            if plan_cursor(clause) == cursor:
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


@dataclass(frozen=True, slots=True)
class NewEdition:
    """A new edition that arrived since the chat's last digest, and what it changed."""

    title: str
    short: str  # a name /diff resolves
    edition: str
    counts: dict[ChangeKind, int]
    articles: tuple[tuple[ArticleChange, tuple[str, ...]], ...]  # (change, keywords it holds)


def new_edition(diff: EditionDiff, keywords: tuple[str, ...]) -> NewEdition:
    """The digest's note on a new edition: counts, and changed articles matching keywords first."""
    scored = []
    for change in diff.shown:
        text = "".join(c.text for c in (change.old, change.new) if c is not None)
        scored.append((change, tuple(k for k in keywords if k in text)))
    scored.sort(key=lambda pair: not pair[1])  # stable: text order within each group
    return NewEdition(
        diff.new.title,
        diff.new.short or diff.new.title,
        diff.new.edition,
        diff.counts,
        tuple(scored[:EDITION_ARTICLES]),
    )


def arrived_editions(
    library: Library, changed: list[tuple[str, str, bool]]
) -> tuple[list[EditionDiff], set[str]]:
    """New editions among changed documents: a current edition that changed while its
    previous edition appeared under an @date id. Also the ids these notes stand for."""
    added = {doc_id for doc_id, _, is_new in changed if is_new}
    diffs: list[EditionDiff] = []
    covered: set[str] = set()
    for doc_id, _, _ in changed:
        doc = library.document(doc_id)
        if doc is None or doc.superseded:
            continue
        group = editions(library.documents, doc)
        if len(group) < 2 or group[-2].doc_id not in added:
            continue
        diff = compare(library.documents, [doc])
        if isinstance(diff, EditionDiff):
            diffs.append(diff)
            covered |= {doc.doc_id, diff.old.doc_id}
    return diffs, covered


@dataclass(frozen=True, slots=True)
class DigestContent:
    """What a digest says, as plain data: gathered once, rendered to HTML or text after."""

    chat_id: int
    day: date
    today: Hit | None
    keywords: tuple[str, ...]
    keyword_hits: tuple[Hit, ...]
    questions: tuple[LoggedQuestion, ...]
    changes: tuple[tuple[DocumentChange, str], ...]  # (kind, title)
    lead: str | None = None
    editions: tuple[NewEdition, ...] = ()  # shown first in the 文件更新 section

    @property
    def hits(self) -> tuple[Hit, ...]:
        """Every clause the digest quotes (what a lead may summarise)."""
        return ((self.today,) if self.today else ()) + self.keyword_hits


def gather(
    library: Library, store: Store, subscription: Subscription, day: date, now: datetime
) -> DigestContent:
    """Collect one chat's digest for a day from the library and the store; writes nothing."""
    chat_id = subscription.chat_id
    today = next_clause(reading_plan(library), store.cursor(chat_id))
    hits: list[Hit] = []
    if subscription.keywords:
        hits = keyword_hits(library, subscription.keywords, store.sent_keys(chat_id))
    since = store.last_digest_at(chat_id)
    questions = store.questions_since(chat_id, since)[-MAX_QUESTIONS:]
    changes: list[tuple[DocumentChange, str]] = []
    news: list[NewEdition] = []
    if since is not None:
        removed = store.removed_documents()
        changed = store.documents_changed_since(since)
        diffs, covered = arrived_editions(library, changed)
        news = [new_edition(d, subscription.keywords) for d in diffs]
        for doc_id, title, is_new in changed:
            if doc_id in covered:
                continue  # said by the new edition's note
            # A removed document was taken out of the corpus (bot/upkeep/reload.py).
            kind: DocumentChange = (
                "removed" if doc_id in removed else "added" if is_new else "changed"
            )
            changes.append((kind, title))
    return DigestContent(
        chat_id,
        day,
        library.hit(today) if today is not None else None,
        subscription.keywords,
        tuple(hits),
        tuple(questions),
        tuple(changes),
        editions=tuple(news),
    )
