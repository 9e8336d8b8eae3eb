"""Clause search: BM25 candidates, their rerank features and the coverage match.

Scores are rank-bm25's BM25Okapi, computed from an inverted index (retrieval/search/bm25.py). Raw
BM25 scores are not comparable across queries (rank_bm25 #39), so abstaining looks at how much
of the question a clause covers instead (the rule itself is in retrieval/search/ranking.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import mul

import numpy as np
import numpy.typing as npt

from retrieval.model import Clause, ClauseDraft
from retrieval.question.asks import defines
from retrieval.question.query import ExpansionWeights, Query
from retrieval.search.bm25 import Scope, SparseBM25, best
from retrieval.search.ranking import FEATURES, Models, states
from retrieval.words.normalize import strip_name_marks
from retrieval.words.tokenize import Tokenizer

_NAMED = FEATURES.index("named")
_MET = 65536  # candidate clauses remembered as met (a quarter of them with their bigrams)
# Pseudo-relevance feedback (when ExpansionWeights.feedback > 0): asked only when the first
# pass is unsure, i.e. its best clause scores below this share of the question's own maximum.
FEEDBACK_BELOW = 0.5
FEEDBACK_CLAUSES = 5  # the first pass's best clauses the feedback words come from
FEEDBACK_WORDS = 8  # the feedback words added
FEEDBACK_MAX_SHARE = 0.05  # a word in more of the library's clauses is not distinctive
FEEDBACK_ONE_GROUP = True  # all feedback words one stand-in group (its best counts once)
_NUMERAL = re.compile(r"[0-9零一二三四五六七八九十百千第]")


@dataclass(frozen=True, slots=True)
class Match:
    """How well a clause covers a question: informativeness share and whole words found."""

    coverage: float
    words: int


def index_text(clause: Clause | ClauseDraft) -> str:
    """What a clause is searched by: its heading and its text."""
    return f"{clause.heading or ''}\n{clause.text}"


@dataclass(frozen=True, slots=True)
class WordPlan:
    """A coverage word and the tokens that count as finding it in a clause."""

    weight: float  # general-language informativeness
    exact: tuple[str, ...]  # the word and its synonyms.txt terms: found means fully covered
    # Stand-ins (curated lexicon, thesaurus, typo repairs, learned bridges): at their weight.
    alternates: tuple[tuple[str, float], ...]
    parts: tuple[str, ...]  # shorter words inside it: partial cover


@dataclass(frozen=True, slots=True)
class Candidate:
    """A clause considered for a question: its features and rerank score."""

    position: int
    bm25: float
    features: tuple[float, ...]
    score: float


@dataclass(frozen=True, slots=True)
class Ranking:
    """A question's candidates, best first, and whether the best one answers it."""

    candidates: tuple[Candidate, ...]
    answers: bool


class Index:
    """A BM25 index over a fixed sequence of clauses."""

    def __init__(
        self,
        clauses: Sequence[Clause],
        tokenizer: Tokenizer,
        bm25: SparseBM25 | None = None,
        progress: Callable[[int], None] | None = None,
        kinds: Mapping[str, str] | None = None,
        titles: Mapping[str, str] | None = None,
    ) -> None:
        self.clauses = clauses
        self.tokenizer = tokenizer
        self.bm25 = bm25 or SparseBM25.build(
            (tokenizer.tokens(index_text(c)) for c in self.clauses), progress
        )
        self._max_idf = float(self.bm25.idf.max()) if len(self.bm25.idf) else 1.0
        self.kinds: dict[str, str] = dict(kinds or {})
        self.titles: dict[str, str] = dict(titles or {})
        # Clauses that came up as candidates before, and of those met twice, the character
        # bigrams of their text: popular clauses come up question after question.
        self._met: set[int] = set()
        self._bigrams: dict[int, frozenset[str]] = {}
        # Per position its document's first position, worked out on first need (context).
        self._starts: npt.NDArray[np.int64] | None = None
        self._clause_tokens: dict[int, Counter[str]] = {}
        # A word's informativeness, synonyms and parts: the same words come back question
        # after question (数据, 政府 …), only their stand-ins differ.
        self._words: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {}

    def search(
        self,
        query: Query,
        mentioned: Collection[str],
        models: Models,
        n: int,
        scope: Sequence[tuple[int, int]] | Scope | None = None,
    ) -> Ranking:
        """The n best clauses for a prepared question, reranked, and whether the best answers;
        `scope`, when given, the [start, end) clause ranges to look in (named documents)."""
        candidates = tuple(self.candidates(query, mentioned, models, n, scope))
        return Ranking(candidates, bool(candidates) and models.answers(candidates[0].features))

    def distinct(self, positions: Iterable[int], k: int) -> list[int]:
        """The first k positions whose texts differ (a clause copied into two documents counts
        once)."""
        seen: set[str] = set()
        out: list[int] = []
        for position in positions:
            if len(out) == k:
                break
            key = strip_name_marks(self.clauses[position].text)
            if key not in seen:
                seen.add(key)
                out.append(position)
        return out

    def candidates(
        self,
        query: Query,
        mentioned: Collection[str],
        models: Models,
        n: int,
        scope: Sequence[tuple[int, int]] | Scope | None = None,
    ) -> list[Candidate]:
        """The n best clauses for a prepared question, reranked, each with its features."""
        within = scope if scope is None or isinstance(scope, Scope) else Scope.of(scope)
        own = [t for t, _ in query.terms]
        ceiling = sum(self._idf(t) for t in own) or 1.0
        ranked = self._ranked(query, n, within, models.expansion, ceiling)
        found = [(p, s) for p, s in ranked if s > 0]
        if not found:
            return []
        best_bm25 = found[0][1]
        plan = self.plan(query.words, query.alternates, models.question_words)
        unknown = self._unknown_share(plan)
        positions = [position for position, _ in found]
        matches = self.matches(plan, positions)
        # Where the candidates' BM25 gathers: the document most of them come from is the one
        # the question is about, whatever the document.
        by_doc: dict[str, float] = {}
        for position, bm25 in found:
            doc_id = self.clauses[position].doc_id
            by_doc[doc_id] = by_doc.get(doc_id, 0.0) + bm25
        mass = sum(by_doc.values()) or 1.0
        titles = {doc_id: self._title_share(plan, doc_id) for doc_id in by_doc}
        scored = []
        for (position, bm25), match in zip(found, matches, strict=True):
            doc_id = self.clauses[position].doc_id
            features = (
                *self._features(query, match, position, mentioned),
                titles[doc_id],
                by_doc[doc_id] / mass,
            )
            row = (bm25 / best_bm25, min(1.0, bm25 / ceiling), *features, unknown, 0.0)
            scored.append(Candidate(position, bm25, row, models.score(row)))
        scored.sort(key=lambda c: (-c.score, c.position))
        if mentioned:
            # The document the asker names comes first, whatever the weights learned from
            # questions that rarely name one.
            scored.sort(key=lambda c: c.features[_NAMED] == 0)
        if query.wants_definition:
            # The clause defining the term first (本条例所称X，是指…), then looser ones.
            scored.sort(key=lambda c: -defines(self.clauses[c.position].text, query.words))
        if len(scored) > 1:
            top, runner = scored[0], scored[1]
            lead = (*top.features[:-1], top.score - runner.score)
            scored[0] = Candidate(top.position, top.bm25, lead, top.score)
        return scored

    def _ranked(
        self,
        query: Query,
        n: int,
        within: Scope | None,
        weights: ExpansionWeights,
        ceiling: float,
    ) -> list[tuple[int, float]]:
        """The n best (position, BM25) pairs: the question's terms and stand-ins, with the
        neighbouring clauses' score as a second field and, when the first pass is unsure,
        its best clauses' distinctive words as feedback (both off at weight 0)."""
        scores = self.bm25.weighted_scores(query.terms, query.groups, within)
        if weights.context > 0:
            scores = self._with_context(scores, weights.context)
        ranked = best(scores, n)
        if weights.feedback <= 0 or not ranked or ranked[0][1] >= FEEDBACK_BELOW * ceiling:
            return ranked
        extra = self._feedback(query, ranked[:FEEDBACK_CLAUSES], weights.feedback)
        if not extra:
            return ranked
        scores = self.bm25.weighted_scores(query.terms, (*query.groups, *extra), within)
        if weights.context > 0:
            scores = self._with_context(scores, weights.context)
        return best(scores, n)

    def _with_context(
        self, scores: npt.NDArray[np.float64], share: float
    ) -> npt.NDArray[np.float64]:
        """Scores plus `share` of the mean score of the clause's neighbours in its document
        (the clause before and after): a paraphrase's words are often in the clause next to
        the one that answers, which then outranks a lone clause elsewhere sharing one word."""
        starts = self._doc_starts()
        if len(scores) < 2:
            return scores
        same = starts[1:] == starts[:-1]  # position i + 1 and i in one document
        context = np.zeros_like(scores)
        context[1:] += np.where(same, scores[:-1], 0.0)
        context[:-1] += np.where(same, scores[1:], 0.0)
        return scores + (share / 2) * context

    def _feedback(
        self, query: Query, top: Sequence[tuple[int, float]], weight: float
    ) -> list[tuple[tuple[tuple[str, ...], float], ...]]:
        """RM3-style feedback: the words the first pass's best clauses hold most (each
        clause's term shares weighted by its score) times their idf, distinctive ones only,
        as stand-in groups at `weight` times their share of the best one."""
        asked = {t for t, _ in query.terms} | {
            token for group in query.groups for tokens, _ in group for token in tokens
        }
        total = sum(score for _, score in top) or 1.0
        limit = max(2, int(FEEDBACK_MAX_SHARE * self.bm25.doc_count))
        mass: dict[str, float] = {}
        for position, score in top:
            counts = self._tokens_of(position)
            length = sum(counts.values()) or 1
            for token, tf in counts.items():
                if len(token) < 2 or token in asked or _NUMERAL.search(token):
                    continue
                mass[token] = mass.get(token, 0.0) + (score / total) * tf / length
        scored = []
        for token, share in mass.items():
            term = self.bm25.vocab.get(token)
            if term is None:
                continue
            df = int(self.bm25.indptr[term + 1] - self.bm25.indptr[term])
            if 2 <= df <= limit:
                scored.append((share * float(self.bm25.idf[term]), token))
        scored.sort(reverse=True)
        chosen = scored[:FEEDBACK_WORDS]
        if not chosen:
            return []
        top_share = chosen[0][0]
        alternatives = tuple(((token,), weight * share / top_share) for share, token in chosen)
        if FEEDBACK_ONE_GROUP:
            return [alternatives]
        return [(alternative,) for alternative in alternatives]

    def _tokens_of(self, position: int) -> Counter[str]:
        """A clause's index tokens, counted (kept for clauses met before)."""
        counts = self._clause_tokens.get(position)
        if counts is None:
            if len(self._clause_tokens) >= _MET // 4:
                self._clause_tokens.clear()
            counts = Counter(self.tokenizer.tokens(index_text(self.clauses[position])))
            self._clause_tokens[position] = counts
        return counts

    def _doc_starts(self) -> npt.NDArray[np.int64]:
        """Per position, the first position of its document (worked out on first need)."""
        if self._starts is None:
            starts = np.zeros(len(self.clauses), np.int64)
            begin, current = 0, None
            for position, clause in enumerate(self.clauses):
                if clause.doc_id != current:
                    begin, current = position, clause.doc_id
                starts[position] = begin
            self._starts = starts
        return self._starts

    def _features(
        self, query: Query, match: Match, position: int, mentioned: Collection[str]
    ) -> tuple[float, ...]:
        clause = self.clauses[position]
        bigrams = (
            self._bigram_count(position, clause, query.bigrams) / len(query.bigrams)
            if query.bigrams
            else 0
        )
        heads = "".join((*clause.breadcrumb, clause.heading or ""))
        # A heading repeating the document's own topic (食品安全 in every chapter of the food
        # safety law) says nothing about which clause answers: only other words count.
        title = self.titles.get(clause.doc_id, "")
        topical = [w for w in query.words if w not in title]
        heading = sum(map(heads.__contains__, topical)) / len(query.words) if query.words else 0
        lacks_fact = query.asks != "" and not states(query.asks, clause.text)
        return (
            match.coverage,
            1.0 - 1.0 / (1.0 + match.words),
            bigrams,
            float(clause.doc_id in mentioned),
            heading,
            float(lacks_fact),
            float(self.kinds[clause.doc_id] in ("policy", "regulation")),
        )

    def _bigram_count(self, position: int, clause: Clause, bigrams: Sequence[str]) -> int:
        """How many of the question's (two-character) bigrams the clause's heading,
        breadcrumb and text hold: scanned the first time a clause is a candidate, from its
        set of bigrams once it is met again (a set lookup, not a scan of the text)."""
        found = self._bigrams.get(position)
        if found is None:
            body = f"{clause.heading or ''}{''.join(clause.breadcrumb)}{clause.text}"
            if position not in self._met:
                if len(self._met) >= _MET:
                    self._met.clear()
                self._met.add(position)
                # map over a bound __contains__: no Python frame per bigram, the same count.
                return sum(map(body.__contains__, bigrams))
            if len(self._bigrams) >= _MET // 4:
                self._bigrams.clear()
            found = self._bigrams[position] = frozenset(
                body[i : i + 2] for i in range(len(body) - 1)
            )
        return sum(map(found.__contains__, bigrams))

    def _title_share(self, plan: Sequence[WordPlan], doc_id: str) -> float:
        """Informativeness share of the question's words that the document's title contains."""
        title = self.titles.get(doc_id, "")
        total = sum(w.weight for w in plan)
        if not title or not total:
            return 0.0
        return sum(w.weight for w in plan if any(t in title for t in w.exact)) / total

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
        self,
        words: Sequence[str],
        alternates: Mapping[str, Sequence[tuple[str, float]]],
        learned: Mapping[str, float] | None = None,
    ) -> tuple[WordPlan, ...]:
        """What to look for in each clause for each coverage word, worked out once a question;
        `learned`: factors on words' informativeness (Models.question_words)."""
        learned = learned or {}
        return tuple(
            WordPlan(
                informativeness * learned.get(word, 1.0),
                exact,
                tuple(alternates.get(word, ())),
                parts,
            )
            for word in dict.fromkeys(words)
            for informativeness, exact, parts in (self._word(word),)
        )

    def _word(self, word: str) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
        """A coverage word's informativeness, exact forms and parts, worked out once."""
        found = self._words.get(word)
        if found is None:
            if len(self._words) >= _MET:
                self._words.clear()
            found = self._words[word] = (
                self.tokenizer.informativeness(word),
                (word, *self.tokenizer.expansions(word)),
                tuple(p for p in self.tokenizer.parts(word) if p != word and len(p) >= 2),
            )
        return found

    def matches(self, plan: Sequence[WordPlan], positions: Sequence[int]) -> list[Match]:
        """Share of the question's informativeness found in each clause, synonyms counting.

        A word found through an alternate (synonym, typo repair) counts at that alternate's
        weight; a compound counts by the share of its parts present (监测数据 → 监测, 数据).
        """
        total = sum(w.weight for w in plan)
        if not total:
            return [Match(0.0, 0) for _ in positions]
        seen = self._presence(plan, positions)
        # Word by word over all candidates at once, then summed per clause in plan order.
        by_word = [self._shares(w, positions, seen) for w in plan]
        weights = [w.weight for w in plan]
        out = []
        for shares in zip(*by_word, strict=True):
            covered = sum(map(mul, weights, shares))  # the same additions, in plan order
            out.append(Match(covered / total, sum(1 for share in shares if share >= 0.8)))
        return out

    def _presence(self, plan: Sequence[WordPlan], positions: Sequence[int]) -> dict[str, set[int]]:
        """For every token the plan looks for, which candidates contain it (one search each)."""
        tokens = {t for w in plan for t in (*w.exact, *(alt for alt, _ in w.alternates), *w.parts)}
        return {t: self.bm25.present(t, positions) for t in tokens}

    @staticmethod
    def _shares(
        word: WordPlan, positions: Sequence[int], seen: Mapping[str, set[int]]
    ) -> list[float]:
        """How much of one word each candidate covers: 1 when found, else its best alternate
        or the share of its parts found, whichever is more."""
        exact = set().union(*(seen[t] for t in word.exact))
        best: dict[int, float] = {}
        for alt, weight in word.alternates:
            for position in seen[alt]:
                if weight > best.get(position, 0.0):
                    best[position] = weight
        parts: dict[int, int] = {}
        for part in word.parts:
            for position in seen[part]:
                parts[position] = parts.get(position, 0) + 1
        return [
            1.0
            if position in exact
            else max(
                best.get(position, 0.0),
                parts.get(position, 0) / len(word.parts) if word.parts else 0.0,
            )
            for position in positions
        ]
