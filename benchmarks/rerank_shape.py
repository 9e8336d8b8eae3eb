"""A nonlinear rerank from the same features: pairwise products added to the linear score.

    .venv/bin/python -m benchmarks.rerank_shape     # after fit_ranking and benchmarks.quality

Candidates and features do not depend on the models (data/quality/train_items.json and
data/quality/held_out/*.json), so the linear rerank and one with the products of its main
features are both fitted on the train splits plus the dev set and judged on every held-out
suite; dev by 5-fold CV with the train splits in every fold. Scoring 20 candidates costs a
20 × 13 product and 20 × k products more: microseconds.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools

import numpy as np

from benchmarks import datasets
from benchmarks.abstain import HELD_OUT, SUITES, summary
from retrieval.evaluation import fitting
from retrieval.search.ranking import FEATURES

BASE = ("bm25_rel", "coverage", "words", "bigrams", "heading", "title", "doc_share", "fact")


def augmented(items: list[fitting.Item], names: tuple[str, ...]) -> list[fitting.Item]:
    """The items with the products of every pair (and square) of the named features appended."""
    if not names:
        return items
    columns = [FEATURES.index(n) for n in names]
    pairs = list(itertools.combinations_with_replacement(columns, 2))
    out = []
    for item in items:
        f = item.features
        extra = np.array([f[:, a] * f[:, b] for a, b in pairs]).T.reshape(len(f), len(pairs))
        out.append(dataclasses.replace(item, features=np.hstack([f, extra])))
    return out


def main() -> None:
    train = fitting.load_items(datasets.WORK / "train_items.json")
    dev = fitting.load_items(HELD_OUT / "dev.json")
    held = {name: fitting.load_items(HELD_OUT / f"{name}.json") for name in SUITES}
    for label, names in (("linear", ()), ("pairwise products", BASE)):
        shape = functools.partial(augmented, names=names)
        models = fitting.fit_all(shape(train + dev))
        print(f"== {label}  rule: coverage ≥ {models.min_coverage}, words ≥ {models.min_words}")
        for suite, items in held.items():
            print(
                f"  {suite:<8} {summary([fitting.judge(i, models) for i in shape(items)], models)}"
            )
        cv = fitting.cross_validate(shape(dev), 5, extra=shape(train))
        print(f"  {'dev CV':<8} {summary(cv)}")


if __name__ == "__main__":
    main()
