"""Rerank BM25 candidates and decide whether the best one answers: two small linear models.

Each candidate gets a handful of features that are comparable across questions (unlike raw
BM25 scores, rank_bm25 #39): BM25 relative to the best candidate and to the question's own
maximum, the share of the question's informativeness the clause covers, the share of its
character bigrams found, and whether a named document or a wanted figure is there. A linear
score (pairwise logistic regression) reranks; a two-parameter rule on the best candidate
abstains. Both are fitted and reported with k-fold cross-validation (`policybot eval --cv 5`)
and stored as JSON in the lexicon directory, so refitting never touches code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from operator import mul
from pathlib import Path

# Whether a clause states what the question asks for: read from the table of question kinds.
from retrieval.question.asks import states as states
from retrieval.question.query import ExpansionWeights

FEATURES = (
    "bm25_rel",  # BM25 / best candidate's BM25
    "bm25_abs",  # BM25 / the question's maximum possible (its own terms' idf)
    "coverage",  # informativeness share of the question's words found (synonyms count)
    "words",  # whole words found, squashed: 1 - 1/(1 + n)
    "bigrams",  # share of the question's character bigrams found in the clause
    "named",  # the clause's document is named in the question
    "heading",  # share of the question's words found in the clause's headings
    "fact",  # 1 when the question wants a figure/date/name and the clause states none
    "primary",  # the clause is from a policy or regulation, not a report about one
    "title",  # informativeness share of the question's words in the clause's document title
    "doc_share",  # share of the candidates' BM25 that falls in the clause's document
    "unknown",  # share of the question's informativeness in no clause at all
    "margin",  # rank score lead over the runner-up
)

_COVERAGE = FEATURES.index("coverage")
_WORDS = FEATURES.index("words")
_FACT = FEATURES.index("fact")
_NAMED = FEATURES.index("named")
SINGLE_WORD_COVERAGE = 0.75


@dataclass(frozen=True, slots=True)
class Models:
    """Weights of the rerank score, the two parameters of the abstain rule, and what
    expansions count for."""

    rank: tuple[float, ...]
    min_coverage: float
    min_words: int
    expansion: ExpansionWeights = ExpansionWeights()
    # A learned abstain decision (logistic over the best candidate's features, bias last),
    # answering when its score is ≥ 0; empty → the two-parameter rule alone.
    abstain: tuple[float, ...] = ()

    @classmethod
    def load(cls, path: Path) -> Models:
        """Read ranking.json; missing or malformed → the defaults below."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            # A feature added since the file was fitted weighs nothing until the next fit.
            rank = tuple(float(data["rank"].get(f, 0.0)) for f in FEATURES)
            expansion = ExpansionWeights.from_dict(dict(data.get("expansion", {})))
            learned = dict(data.get("abstain", {}))
            abstain = (
                (*(float(learned.get(f, 0.0)) for f in FEATURES), float(learned["bias"]))
                if learned
                else ()
            )
            return cls(
                rank,
                float(data["min_coverage"]),
                int(data["min_words"]),
                expansion,
                abstain,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return DEFAULT_MODELS

    def to_json(self) -> str:
        """Write in the format `load` reads."""
        return json.dumps(
            {
                "rank": dict(zip(FEATURES, self.rank, strict=True)),
                "min_coverage": self.min_coverage,
                "min_words": self.min_words,
                "expansion": {
                    name: getattr(self.expansion, name)
                    for name in ExpansionWeights.__dataclass_fields__
                },
                **(
                    {"abstain": dict(zip((*FEATURES, "bias"), self.abstain, strict=True))}
                    if self.abstain
                    else {}
                ),
            },
            indent=2,
        )

    def score(self, features: Sequence[float]) -> float:
        """The rerank score of a candidate."""
        if len(features) != len(self.rank):
            raise ValueError(f"{len(features)} features for {len(self.rank)} weights")
        # map over mul: the same products added in the same order, no generator frame.
        total: float = sum(map(mul, self.rank, features))
        return total

    def answers(self, features: Sequence[float]) -> bool:
        """The abstain rule, on the best candidate.

        It answers when the clause covers enough of the question's informativeness, shares
        at least `min_words` whole words with it (or covers most of it), and states the
        figure, date or name the question asks for. A document the question names is one of
        its words, found when the clause is in that document (数字政府怎么保护老年人).
        """
        coverage = features[_COVERAGE]
        words = whole_words(features) + (features[_NAMED] > 0)
        if features[_FACT] > 0 or coverage < self.min_coverage:
            return False
        if self.abstain:
            # The rule's floor stays; above it the learned decision has the last word.
            weights, bias = self.abstain[:-1], self.abstain[-1]
            return sum(w * f for w, f in zip(weights, features, strict=False)) + bias >= 0
        return words >= self.min_words or coverage >= SINGLE_WORD_COVERAGE


def whole_words(features: Sequence[float]) -> int:
    """Undo the squashing of the whole-word count feature (1 - 1/(1 + n))."""
    squashed = features[_WORDS]
    return 99 if squashed >= 1 else round(1 / (1 - squashed) - 1)


# Hand-set starting point; ranking.json (fitted with cross-validation) overrides it.
DEFAULT_MODELS = Models(
    rank=(1.0, 0.0, 1.0, 0.0, 0.3, 0.3, 0.2, -1.0, 0.1, 0.0, 0.0, 0.0, 0.0),
    min_coverage=0.2,
    min_words=2,
)
