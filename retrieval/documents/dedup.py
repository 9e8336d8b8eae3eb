"""Merge copies of the same document, keeping the majority reading of every clause."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from retrieval.model import ClauseDraft, CorpusProblem, DocKind
from retrieval.words.normalize import fold_layout

_SIMILAR = 0.6
_HALF_WIDTH_IN_CJK = re.compile(r"(?<=[\u4e00-\u9fff])[,:;()!?](?=[\u4e00-\u9fff\d])")


@dataclass(frozen=True, slots=True)
class Copy:
    """One parsed occurrence of a document in one source file."""

    title: str
    kind: DocKind
    continuous: bool
    clauses: tuple[ClauseDraft, ...]
    source: str
    author: str | None = None
    edition: str = ""  # the date the file name carries: copies of other dates are editions


def _shingles(copy: Copy) -> set[str]:
    text = fold_layout("".join(c.text for c in copy.clauses))
    return {text[i : i + 5] for i in range(0, max(0, len(text) - 4))}


def title_key(title: str) -> str:
    """Copies must carry the same title, issuers and 关于/全文 aside, to be merged."""
    title = fold_layout(title)
    title = re.sub(r"^(中共中央办公厅|国务院办公厅|中共中央|国务院)+", "", title)
    return title.removeprefix("关于").removesuffix("全文")


def group_copies(copies: list[Copy]) -> list[list[Copy]]:
    """Group copies with the same title whose texts overlap (5-character shingles, ≥ 0.6).

    Different documents that share wording (a revised edition, a sibling policy) keep
    their own titles and stay apart; only same-title candidates are ever compared, and
    shingles are computed only for them.
    """
    groups: list[list[Copy]] = []
    by_title: dict[str, list[int]] = {}
    for copy in copies:
        # Editions (same title, another date: 会计法 2017 and 2024) are never merged.
        candidates = by_title.setdefault(f"{title_key(copy.title)}@{copy.edition}", [])
        grams = _shingles(copy) if candidates else set()
        for group in candidates:
            seen = _shingles(groups[group][0])
            union = len(grams | seen)
            if union and len(grams & seen) / union >= _SIMILAR:
                groups[group].append(copy)
                break
        else:
            candidates.append(len(groups))
            groups.append([copy])
    return groups


def _quality(clause: ClauseDraft) -> tuple[int, int]:
    """Prefer full-width punctuation and no stray spaces (001 is scraped half-width)."""
    return (len(_HALF_WIDTH_IN_CJK.findall(clause.text)), clause.text.count(" "))


def _key(clause: ClauseDraft) -> tuple[str, str, str]:
    return (
        fold_layout(clause.text),
        fold_layout(clause.heading or ""),
        fold_layout("".join(clause.breadcrumb)),
    )


def merge(copies: list[Copy]) -> tuple[Copy, list[CorpusProblem]]:
    """Merge copies clause by clause; each clause takes the reading most copies agree on."""
    if len(copies) == 1:
        return copies[0], []
    base = max(copies, key=lambda c: (len(c.clauses), -sum(_quality(x)[0] for x in c.clauses)))
    by_path = [({(c.kind, c.path): c for c in copy.clauses}, copy.source) for copy in copies]
    messages: dict[str, None] = {}
    merged: list[ClauseDraft] = []
    for clause in base.clauses:
        variants = [
            (m[(clause.kind, clause.path)], src)
            for m, src in by_path
            if (clause.kind, clause.path) in m
        ]
        votes = Counter(_key(v) for v, _ in variants)
        winner, count = votes.most_common(1)[0]
        chosen = min((v for v, _ in variants if _key(v) == winner), key=_quality)
        for variant, source in variants:
            if _key(variant) == winner:
                continue
            where = "章标题" if _key(variant)[:2] == winner[:2] else clause.label
            messages[
                f"《{base.title}》{where}：{source} 与其他 {count} 份副本措辞不同，"
                f"采用多数副本的文本"
            ] = None
        merged.append(chosen)
    titles = Counter(c.title for c in copies)
    title = max(titles, key=lambda t: (titles[t], len(t)))
    problems = [CorpusProblem(base.source, "repaired", m) for m in messages]
    return replace(base, title=title, clauses=tuple(merged)), problems
