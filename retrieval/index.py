"""BM25 over clause tokens, with the abstain rule that decides when nothing answers.

Scores are rank-bm25's BM25Okapi (k1=1.5, b=0.75, idf = ln((N - n + 0.5) / (n + 0.5)),
negative idf floored at epsilon × mean idf). Those raw scores are not comparable across
queries (rank_bm25 #39), so abstaining looks at how much of the query a clause covers instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

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

    def __init__(self, clauses: Sequence[Clause], tokenizer: Tokenizer) -> None:
        self.clauses = tuple(clauses)
        self.tokenizer = tokenizer
        self.clause_tokens = [tokenizer.tokens(index_text(c)) for c in self.clauses]
        self.token_sets = [frozenset(tokens) for tokens in self.clause_tokens]
        self.vocabulary = frozenset().union(*self.token_sets) if self.token_sets else frozenset()
        self._bm25 = BM25Okapi(self.clause_tokens) if self.clauses else None

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25Okapi scores of every clause for the tokens (repeats count, as in rank-bm25)."""
        if self._bm25 is None or not tokens:
            return np.zeros(len(self.clauses))
        return np.asarray(self._bm25.get_scores(list(tokens)), dtype=float)

    def search(
        self,
        own: Sequence[str],
        extra: Sequence[str],
        k: int,
        allowed: frozenset[str] | None = None,
    ) -> list[Scored]:
        """Top-k clauses with a positive score; `allowed` limits them to some documents."""
        known = [t for t in (*own, *extra) if t in self.vocabulary]
        scores = self.scores(known)
        order = np.argsort(-scores, kind="stable")
        hits: list[Scored] = []
        for position in order:
            if scores[position] <= 0 or len(hits) >= k:
                break
            if allowed is None or self.clauses[position].doc_id in allowed:
                hits.append(Scored(int(position), float(scores[position])))
        return hits

    def match(self, words: Sequence[str], position: int) -> Match:
        """Share of the question's informativeness found in a clause, synonyms counting.

        A compound counts by the share of its parts present (监测数据 → 监测, 数据).
        """
        weights = {w: self.tokenizer.informativeness(w) for w in dict.fromkeys(words)}
        total = sum(weights.values())
        if not total:
            return Match(0.0, 0)
        found = self.token_sets[position]
        shares = {word: self._share(word, found) for word in weights}
        covered = sum(weights[w] * share for w, share in shares.items())
        return Match(covered / total, sum(1 for share in shares.values() if share == 1.0))

    def _share(self, word: str, found: frozenset[str]) -> float:
        if word in found or any(s in found for s in self.tokenizer.expansions(word)):
            return 1.0
        parts = [p for p in self.tokenizer.parts(word) if p != word and len(p) >= 2]
        return sum(p in found for p in parts) / len(parts) if parts else 0.0
