"""Clause search: BM25 candidates, their rerank features and the coverage match.

Scores are rank-bm25's BM25Okapi, computed from an inverted index (retrieval/search/bm25.py). Raw
BM25 scores are not comparable across queries (rank_bm25 #39), so abstaining looks at how much
of the question a clause covers instead (the rule itself is in retrieval/search/ranking.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from operator import add, mul

from retrieval.model import Clause, ClauseDraft
from retrieval.question.asks import AskKind, defines
from retrieval.question.query import Query
from retrieval.search.bm25 import Scope, SparseBM25
from retrieval.search.ranking import FEATURES, Models, states
from retrieval.words.normalize import strip_name_marks
from retrieval.words.tokenize import Tokenizer

_NAMED = FEATURES.index("named")
_MET = 65536  # candidate clauses remembered as met (a quarter of them with their bigrams)


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
        # A word's informativeness, synonyms and parts: the same words come back question
        # after question (数据, 政府 …), only their stand-ins differ.
        self._words: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {}
        # A candidate's headings joined, and whether its text states what a kind of question
        # asks for (a regex over the whole text): the same clauses come up question after
        # question.
        self._heads: dict[int, str] = {}
        self._states: dict[tuple[str, int], bool] = {}

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
        ranked = self.bm25.top_weighted(query.terms, n, query.groups, within)
        found = [(p, s) for p, s in ranked if s > 0]
        if not found:
            return []
        best_bm25 = found[0][1]
        plan = self.plan(query.words, query.alternates)
        unknown = self._unknown_share(plan)
        positions = [position for position, _ in found]
        matches = self._coverage(plan, positions)
        # Where the candidates' BM25 gathers: the document most of them come from is the one
        # the question is about, whatever the document.
        by_doc: dict[str, float] = {}
        for position, bm25 in found:
            doc_id = self.clauses[position].doc_id
            by_doc[doc_id] = by_doc.get(doc_id, 0.0) + bm25
        mass = sum(by_doc.values()) or 1.0
        # What a candidate owes to its document, worked out once per document. A heading
        # repeating the document's own topic (食品安全 in every chapter of the food safety law)
        # says nothing about which clause answers: only the other words count for headings.
        per_doc = {
            doc_id: (
                [w for w in query.words if w not in self.titles.get(doc_id, "")],
                float(doc_id in mentioned),
                float(self.kinds[doc_id] in ("policy", "regulation")),
                self._title_share(plan, doc_id),
                by_doc[doc_id] / mass,
            )
            for doc_id in by_doc
        }
        bigrams, words, asks = query.bigrams, len(query.words), query.asks
        scored = []
        for (position, bm25), (coverage, words_found) in zip(found, matches, strict=True):
            clause = self.clauses[position]
            topical, named, primary, title, share = per_doc[clause.doc_id]
            heads = self._heads.get(position)
            if heads is None:
                if len(self._heads) >= _MET:
                    self._heads.clear()
                heads = self._heads[position] = "".join((*clause.breadcrumb, clause.heading or ""))
            row = (
                bm25 / best_bm25,
                min(1.0, bm25 / ceiling),
                coverage,
                1.0 - 1.0 / (1.0 + words_found),
                self._bigram_count(position, clause, bigrams) / len(bigrams) if bigrams else 0,
                named,
                sum(map(heads.__contains__, topical)) / words if words else 0,
                float(asks != "" and not self._states_fact(asks, position)),
                primary,
                title,
                share,
                unknown,
                0.0,
            )
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

    def _states_fact(self, kind: AskKind, position: int) -> bool:
        """Whether a clause states what a question of this kind asks for, read once."""
        key = (kind, position)
        found = self._states.get(key)
        if found is None:
            if len(self._states) >= _MET:
                self._states.clear()
            found = self._states[key] = states(kind, self.clauses[position].text)
        return found

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
            # Each character joined to the next in C (map over add): the same bigrams as
            # body[i : i + 2] for every i, a third cheaper than slicing in a generator.
            found = self._bigrams[position] = frozenset(map(add, body, body[1:]))
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
        self, words: Sequence[str], alternates: Mapping[str, Sequence[tuple[str, float]]]
    ) -> tuple[WordPlan, ...]:
        """What to look for in each clause for each coverage word, worked out once a question."""
        return tuple(
            WordPlan(
                informativeness,
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
            # A word of two characters holds no shorter word of two or more: not segmented.
            parts = self.tokenizer.parts(word) if len(word) > 2 else ()
            found = self._words[word] = (
                self.tokenizer.informativeness(word),
                (word, *self.tokenizer.expansions(word)),
                tuple(p for p in parts if p != word and len(p) >= 2),
            )
        return found

    def matches(self, plan: Sequence[WordPlan], positions: Sequence[int]) -> list[Match]:
        """Share of the question's informativeness found in each clause, synonyms counting.

        A word found through an alternate (synonym, typo repair) counts at that alternate's
        weight; a compound counts by the share of its parts present (监测数据 → 监测, 数据).
        """
        return [Match(coverage, words) for coverage, words in self._coverage(plan, positions)]

    def _coverage(
        self, plan: Sequence[WordPlan], positions: Sequence[int]
    ) -> list[tuple[float, int]]:
        """`matches` as plain (coverage, whole words) pairs: a question's candidates read
        them once, no object each."""
        total = sum(w.weight for w in plan)
        if not total:
            return [(0.0, 0) for _ in positions]
        seen = self._presence(plan, positions)
        # Word by word over all candidates at once, then summed per clause in plan order.
        by_word = [self._shares(w, positions, seen) for w in plan]
        weights = [w.weight for w in plan]
        out = []
        for shares in zip(*by_word, strict=True):
            covered = sum(map(mul, weights, shares))  # the same additions, in plan order
            out.append((covered / total, len([share for share in shares if share >= 0.8])))
        return out

    def _presence(
        self, plan: Sequence[WordPlan], positions: Sequence[int]
    ) -> dict[str, AbstractSet[int]]:
        """For every token the plan looks for, which candidates contain it (one search each)."""
        tokens = {t for w in plan for t in (*w.exact, *(alt for alt, _ in w.alternates), *w.parts)}
        return {t: self.bm25.present(t, positions) for t in tokens}

    @staticmethod
    def _shares(
        word: WordPlan, positions: Sequence[int], seen: Mapping[str, AbstractSet[int]]
    ) -> list[float]:
        """How much of one word each candidate covers: 1 when found, else its best alternate
        or the share of its parts found, whichever is more."""
        exact = set().union(*(seen[t] for t in word.exact))
        if not word.alternates and not word.parts:  # found or not: no share in between
            return [1.0 if position in exact else 0.0 for position in positions]
        best: dict[int, float] = {}
        for alt, weight in word.alternates:
            for position in seen[alt]:
                if weight > best.get(position, 0.0):
                    best[position] = weight
        if not word.parts:  # a best alternate is above 0.0 or absent: the max is itself
            return [
                1.0 if position in exact else best.get(position, 0.0) for position in positions
            ]
        parts: dict[int, int] = {}
        for part in word.parts:
            for position in seen[part]:
                parts[position] = parts.get(position, 0) + 1
        count = len(word.parts)
        return [
            1.0
            if position in exact
            else max(best.get(position, 0.0), parts.get(position, 0) / count)
            for position in positions
        ]
