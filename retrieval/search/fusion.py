"""Extra ranking channels a deployment may plug in (embeddings, LLM rewrites) and their fusion.

retrieval/ stays free of HTTP: a channel is any object with these methods, built in bot/ and
handed to `Library.attach`. Every method returns None when its service is down, slow or
answers garbage — the library then ranks with BM25 alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

RRF_K = 60  # Cormack et al. 2009: k = 60 works across collections without tuning


class SemanticChannel(Protocol):
    """Ranks the library's clauses (by position) for a query, e.g. by embedding similarity."""

    def rank(self, query: str, k: int) -> Sequence[int] | None:
        """Clause positions, best first, or None when unavailable within its deadline."""


class QueryRewriter(Protocol):
    """Rewrites a colloquial question into policy wording, e.g. with an LLM."""

    def rewrite(self, query: str) -> str | None:
        """The rewritten question, or None when unavailable within its deadline."""


def reciprocal_rank_fusion(rankings: Iterable[Sequence[int]], k: int = RRF_K) -> list[int]:
    """Fuse rankings of clause positions: Σ 1 / (k + rank); ties keep first-seen order."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, position in enumerate(ranking, start=1):
            scores[position] = scores.get(position, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda p: -scores[p])
