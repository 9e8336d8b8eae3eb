"""When the lexical answer is sure enough that an LLM rewrite could not help it.

The rewrite is a fallback (issue 22): a question whose best clause answers and leads the
runner-up clearly is answered at once; only an abstaining or unsure one waits for the LLM.
"""

from __future__ import annotations

from retrieval.search.index import Ranking
from retrieval.search.ranking import FEATURES

# Rerank-score lead of the best clause over the runner-up below which the answer is unsure.
# On our own and the extra regulation's questions (not the dev set), 6 of the 15 answered
# questions with a lead under 1.0 had the wrong clause first, against 5 of about 60 above it.
UNSURE_MARGIN = 1.0
_MARGIN = FEATURES.index("margin")  # set on the best candidate only


def sure(ranking: Ranking, margin: float = UNSURE_MARGIN) -> bool:
    """Whether the best clause answers and leads the runner-up by at least `margin`."""
    if not ranking.answers or not ranking.candidates:
        return False
    if len(ranking.candidates) == 1:
        return True  # nothing else matched at all
    return ranking.candidates[0].features[_MARGIN] >= margin
