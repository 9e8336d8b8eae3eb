"""What changed between two editions of a document: articles aligned, words marked.

Articles are matched in three passes, strictest first, so a renumbered article is found even
when every later number shifted: identical text (anywhere), then the same number with similar
text, then the most similar text among what is left. What no pass matches was added or removed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from retrieval.model import Clause
from retrieval.words.normalize import fold_layout

ChangeKind = Literal["added", "removed", "changed", "renumbered", "unchanged"]
Piece = tuple[Literal["same", "added", "removed"], str]
SAME_NUMBER_SIMILARITY = 0.5  # the same number keeps its article when half the text stays
MOVED_SIMILARITY = 0.7  # a different number must keep most of the text to be "renumbered"
_LABEL_PREFIX = re.compile(
    r"^第[零〇一二两三四五六七八九十百千万\d]+条(之[一二三四五六七八九十]+)?\s*"
)
_WORDS = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9.%]+|\s+|.")


@dataclass(frozen=True, slots=True)
class ArticleChange:
    """One article's fate between editions; `old`/`new` is None when added/removed."""

    kind: ChangeKind
    old: Clause | None
    new: Clause | None
    similarity: float = 1.0

    @property
    def text_changed(self) -> bool:
        """Whether the words differ (a renumbered article may also be reworded)."""
        return self.old is not None and self.new is not None and self.similarity < 1.0


def _body(clause: Clause) -> str:
    return _LABEL_PREFIX.sub("", fold_layout(clause.text))


def similarity(a: str, b: str) -> float:
    """Share of characters the two texts have in common, in order (0–1)."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SAME_NUMBER_SIMILARITY:
        return matcher.real_quick_ratio()
    return matcher.ratio()


def align(old: Sequence[Clause], new: Sequence[Clause]) -> list[ArticleChange]:
    """Every article of both editions, classified, in the new edition's order then removals."""
    old_body = {c.ordinal: _body(c) for c in old}
    new_body = {c.ordinal: _body(c) for c in new}
    matched: dict[int, ArticleChange] = {}  # new ordinal → change
    free_old = {c.ordinal: c for c in old}

    def take(o: Clause, n: Clause, score: float) -> None:
        if score == 1.0:
            kind: ChangeKind = "unchanged" if o.label == n.label else "renumbered"
        else:
            kind = "changed" if o.label == n.label else "renumbered"
        matched[n.ordinal] = ArticleChange(kind, o, n, score)
        del free_old[o.ordinal]

    by_text: dict[str, list[Clause]] = {}
    for clause in old:
        by_text.setdefault(old_body[clause.ordinal], []).append(clause)
    for clause in new:  # pass 1: identical text, preferring the same number
        candidates = [
            c for c in by_text.get(new_body[clause.ordinal], []) if c.ordinal in free_old
        ]
        if candidates:
            same = [c for c in candidates if c.label == clause.label]
            take((same or candidates)[0], clause, 1.0)
    old_by_label = {c.label: c for c in old}
    for clause in new:  # pass 2: the same number, similar text
        if clause.ordinal in matched:
            continue
        twin = old_by_label.get(clause.label)
        if twin is not None and twin.ordinal in free_old:
            score = similarity(old_body[twin.ordinal], new_body[clause.ordinal])
            if score >= SAME_NUMBER_SIMILARITY:
                take(twin, clause, score)
    pairs = [  # pass 3: the most similar of what is left, best pairs first
        (similarity(old_body[o.ordinal], new_body[n.ordinal]), o.ordinal, n.ordinal)
        for n in new
        if n.ordinal not in matched
        for o in old
        if o.ordinal in free_old
    ]
    old_at = {c.ordinal: c for c in old}
    new_at = {c.ordinal: c for c in new}
    for score, o_ord, n_ord in sorted(pairs, reverse=True):
        if score < MOVED_SIMILARITY:
            break
        if o_ord in free_old and n_ord not in matched:
            take(old_at[o_ord], new_at[n_ord], score)
    changes = [matched.get(c.ordinal) or ArticleChange("added", None, c, 0.0) for c in new]
    changes += [ArticleChange("removed", c, None, 0.0) for c in old if c.ordinal in free_old]
    return changes


def counts(changes: Sequence[ArticleChange]) -> dict[ChangeKind, int]:
    """How many articles of each kind (renumbered ones counted once, as renumbered)."""
    out: dict[ChangeKind, int] = {
        "added": 0,
        "removed": 0,
        "changed": 0,
        "renumbered": 0,
        "unchanged": 0,
    }
    for change in changes:
        out[change.kind] += 1
    return out


def word_diff(old_text: str, new_text: str) -> list[Piece]:
    """The new text as runs of kept, added and removed words (Chinese: by character)."""
    a, b = _WORDS.findall(old_text), _WORDS.findall(new_text)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(("added", "".join(b[j1:j2])))
    return pieces
