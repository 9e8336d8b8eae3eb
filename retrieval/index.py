"""Clause search: BM25 candidates, their rerank features and the coverage match.

Scores are rank-bm25's BM25Okapi, computed from an inverted index (retrieval/bm25.py). Raw
BM25 scores are not comparable across queries (rank_bm25 #39), so abstaining looks at how much
of the question a clause covers instead (the rule itself is in retrieval/ranking.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from retrieval.bm25 import SparseBM25
from retrieval.model import Clause
from retrieval.query import Query
from retrieval.ranking import Models, states
from retrieval.tokenize import Tokenizer


@dataclass(frozen=True, slots=True)
class Match:
    """How well a clause covers a question: informativeness share and whole words found."""

    coverage: float
    words: int


def index_text(clause: Clause) -> str:
    """What a clause is searched by: its heading and its text."""
    return f"{clause.heading or ''}\n{clause.text}"


@dataclass(frozen=True, slots=True)
class WordPlan:
    """A coverage word and the tokens that count as finding it in a clause."""

    weight: float  # general-language informativeness
    exact: tuple[str, ...]  # the word and its lexicon synonyms: found means fully covered
    alternates: tuple[tuple[str, float], ...]  # thesaurus synonyms, typo repairs: at weight
    parts: tuple[str, ...]  # shorter words inside it: partial cover


@dataclass(frozen=True, slots=True)
class Scored:
    """A clause position and its BM25 score."""

    position: int
    score: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """A clause considered for a question: its features and rerank score."""

    position: int
    bm25: float
    features: tuple[float, ...]
    score: float


class Index:
    """A BM25 index over a fixed sequence of clauses."""

    def __init__(
        self,
        clauses: Sequence[Clause],
        tokenizer: Tokenizer,
        bm25: SparseBM25 | None = None,
        progress: Callable[[int], None] | None = None,
        kinds: Mapping[str, str] | None = None,
    ) -> None:
        self.clauses = clauses
        self.tokenizer = tokenizer
        self.bm25 = bm25 or SparseBM25.build(
            (tokenizer.tokens(index_text(c)) for c in self.clauses), progress
        )
        self._max_idf = float(self.bm25.idf.max()) if len(self.bm25.idf) else 1.0
        self.kinds: dict[str, str] = dict(kinds or {})

    def search(self, own: Sequence[str], extra: Sequence[str], k: int) -> list[Scored]:
        """Top-k clauses with a positive BM25 score for the query and its synonyms."""
        return [Scored(p, s) for p, s in self.bm25.top([*own, *extra], k) if s > 0]

    def candidates(
        self, query: Query, mentioned: Collection[str], models: Models, n: int
    ) -> list[Candidate]:
        """The n best clauses for a prepared question, reranked, each with its features."""
        found = [(p, s) for p, s in self.bm25.top_weighted(query.terms, n) if s > 0]
        if not found:
            return []
        best_bm25 = found[0][1]
        own = [t for t, w in query.terms if w == 1.0]
        ceiling = sum(self._idf(t) for t in own) or 1.0
        plan = self.plan(query.words, query.alternates)
        unknown = self._unknown_share(plan)
        seen = self._presence(plan, [position for position, _ in found])
        scored = []
        for position, bm25 in found:
            features = self._features(query, plan, position, mentioned, seen)
            row = (bm25 / best_bm25, min(1.0, bm25 / ceiling), *features, unknown, 0.0)
            scored.append(Candidate(position, bm25, row, models.score(row)))
        scored.sort(key=lambda c: (-c.score, c.position))
        if query.wants_definition:
            scored.sort(key=lambda c: not self._defines(position=c.position, words=query.words))
        if len(scored) > 1:
            top, runner = scored[0], scored[1]
            lead = (*top.features[:-1], top.score - runner.score)
            scored[0] = Candidate(top.position, top.bm25, lead, top.score)
        return scored

    def _presence(self, plan: Sequence[WordPlan], positions: Sequence[int]) -> dict[str, set[int]]:
        """For every token the plan looks for, which candidates contain it (one search each)."""
        tokens = {t for w in plan for t in (*w.exact, *(alt for alt, _ in w.alternates), *w.parts)}
        return {t: self.bm25.present(t, positions) for t in tokens}

    def _features(
        self,
        query: Query,
        plan: Sequence[WordPlan],
        position: int,
        mentioned: Collection[str],
        seen: Mapping[str, set[int]] | None = None,
    ) -> tuple[float, ...]:
        clause = self.clauses[position]
        match = self.match(plan, position, seen)
        body = f"{clause.heading or ''}{''.join(clause.breadcrumb)}{clause.text}"
        bigrams = (
            sum(b in body for b in query.bigrams) / len(query.bigrams) if query.bigrams else 0
        )
        heads = "".join((*clause.breadcrumb, clause.heading or ""))
        heading = sum(w in heads for w in query.words) / len(query.words) if query.words else 0
        lacks_fact = bool(query.asks) and not states(query.asks, clause.text)
        return (
            match.coverage,
            1.0 - 1.0 / (1.0 + match.words),
            bigrams,
            float(clause.doc_id in mentioned),
            heading,
            float(lacks_fact),
            float(self.kinds[clause.doc_id] in ("policy", "regulation")),
        )

    def _defines(self, position: int, words: Sequence[str]) -> bool:
        """Whether a clause defines one of the words (本条例所称X，是指…; X是指…)."""
        text = self.clauses[position].text
        return any(
            f"所称{w}" in text or f"{w}，是指" in text or f"{w},是指" in text or f"{w}是指" in text
            for w in words
            if len(w) >= 2
        )

    def _idf(self, token: str) -> float:
        idf = self.bm25.idf_of(token)
        return self._max_idf if idf is None else max(idf, 0.0)

    def _unknown_share(self, plan: Sequence[WordPlan]) -> float:
        """Share of the question's informativeness that no clause contains at all."""
        total = sum(w.weight for w in plan)
        if not total:
            return 0.0
        known = self.bm25.vocab
        missing = sum(
            w.weight
            for w in plan
            if not any(t in known for t in w.exact) and not any(p in known for p in w.parts)
        )
        return missing / total

    def plan(
        self, words: Sequence[str], alternates: Mapping[str, Sequence[tuple[str, float]]]
    ) -> tuple[WordPlan, ...]:
        """What to look for in each clause for each coverage word, worked out once a question."""
        return tuple(
            WordPlan(
                self.tokenizer.informativeness(word),
                (word, *self.tokenizer.expansions(word)),
                tuple(alternates.get(word, ())),
                tuple(p for p in self.tokenizer.parts(word) if p != word and len(p) >= 2),
            )
            for word in dict.fromkeys(words)
        )

    def match(
        self,
        plan: Sequence[WordPlan],
        position: int,
        seen: Mapping[str, set[int]] | None = None,
    ) -> Match:
        """Share of the question's informativeness found in a clause, synonyms counting.

        A word found through an alternate (synonym, typo repair) counts at that alternate's
        weight; a compound counts by the share of its parts present (监测数据 → 监测, 数据).
        """
        total = sum(w.weight for w in plan)
        if not total:
            return Match(0.0, 0)
        shares = [self._share(w, position, seen) for w in plan]
        covered = sum(w.weight * share for w, share in zip(plan, shares, strict=True))
        return Match(covered / total, sum(1 for share in shares if share >= 0.8))

    def _share(
        self, word: WordPlan, position: int, seen: Mapping[str, set[int]] | None = None
    ) -> float:
        def found(token: str) -> bool:
            if seen is not None and token in seen:
                return position in seen[token]
            return self.bm25.contains(token, position)

        if any(found(t) for t in word.exact):
            return 1.0
        best = max((weight for alt, weight in word.alternates if found(alt)), default=0.0)
        partial = sum(found(p) for p in word.parts) / len(word.parts) if word.parts else 0.0
        return max(best, partial)
