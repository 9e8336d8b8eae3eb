"""Clause search: BM25 candidates, the coverage match and the abstain rule.

Scores are rank-bm25's BM25Okapi, computed from an inverted index (retrieval/bm25.py). Raw
BM25 scores are not comparable across queries (rank_bm25 #39), so abstaining looks at how much
of the question a clause covers instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from retrieval.bm25 import SparseBM25
from retrieval.model import Clause
from retrieval.tokenize import Tokenizer

# Calibrated on ../shared/eval/dev_qa.jsonl: answerable questions cover ≥ 0.33 there, out-of-scope
# ones ≤ 0.28. A clause that shares only one word with a longer question (医保 in 医保怎么报销)
# must cover most of it to count.
MIN_COVERAGE = 0.30
MIN_WORDS_MATCHED = 2
SINGLE_WORD_COVERAGE = 0.75


@dataclass(frozen=True, slots=True)
class Match:
    """How well a clause covers a question: informativeness share and whole words found."""

    coverage: float
    words: int

    @property
    def answers(self) -> bool:
        """The abstain rule: enough of the question is in the clause."""
        if self.coverage < MIN_COVERAGE:
            return False
        return self.words >= MIN_WORDS_MATCHED or self.coverage >= SINGLE_WORD_COVERAGE


def index_text(clause: Clause) -> str:
    """What a clause is searched by: its heading and its text."""
    return f"{clause.heading or ''}\n{clause.text}"


@dataclass(frozen=True, slots=True)
class Scored:
    """A clause position and its BM25 score."""

    position: int
    score: float


class Index:
    """A BM25 index over a fixed sequence of clauses."""

    def __init__(
        self,
        clauses: Sequence[Clause],
        tokenizer: Tokenizer,
        bm25: SparseBM25 | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.clauses = tuple(clauses)
        self.tokenizer = tokenizer
        self.bm25 = bm25 or SparseBM25.build(
            (tokenizer.tokens(index_text(c)) for c in self.clauses), progress
        )

    def search(self, own: Sequence[str], extra: Sequence[str], k: int) -> list[Scored]:
        """Top-k clauses with a positive BM25 score for the query and its synonyms."""
        return [Scored(p, s) for p, s in self.bm25.top([*own, *extra], k) if s > 0]

    def match(self, words: Sequence[str], position: int) -> Match:
        """Share of the question's informativeness found in a clause, synonyms counting.

        A compound counts by the share of its parts present (监测数据 → 监测, 数据).
        """
        weights = {w: self.tokenizer.informativeness(w) for w in dict.fromkeys(words)}
        total = sum(weights.values())
        if not total:
            return Match(0.0, 0)
        shares = {word: self._share(word, position) for word in weights}
        covered = sum(weights[w] * share for w, share in shares.items())
        return Match(covered / total, sum(1 for share in shares.values() if share == 1.0))

    def _share(self, word: str, position: int) -> float:
        def found(token: str) -> bool:
            return self.bm25.contains(token, position)

        if found(word) or any(found(s) for s in self.tokenizer.expansions(word)):
            return 1.0
        parts = [p for p in self.tokenizer.parts(word) if p != word and len(p) >= 2]
        return sum(found(p) for p in parts) / len(parts) if parts else 0.0
