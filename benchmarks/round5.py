"""Round 5 of issue 22: a translation language model as a rerank feature, judged on the train
splits only (the same parts and refits as benchmarks/round4.py).

    .venv/bin/python -m benchmarks.round5

The IBM Model 1 table t(question word | clause word) is learned from the fitting parts' pairs
(the whole table above a floor, not the few bridges kept per word); each of the 20 candidates
gets the question's log-likelihood under its clause's translation model (alignment.
TranslationLM), minus the best candidate's, per question word, as one more rerank column.
Printed per setting (λ smoothing, β translation share, bigram backoff): the validation
parts' R@1 / R@3 with and without the abstain rule, and the dev set in 5-fold CV (alone and
with the fitting part in every fold). The first row is the shipped features alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import re
import zlib
from collections.abc import Sequence

import numpy as np

from benchmarks import datasets, fit_bridge, round4
from retrieval.evaluation import fitting
from retrieval.library import Library
from retrieval.words.alignment import TranslationLM
from retrieval.words.normalize import fold_for_search, fold_layout

FOLDS = 3
_CJK = re.compile(r"^[\u4e00-\u9fff]{2,}$")
SETTINGS = (
    *itertools.product((0.2, 0.5, 0.8), (0.5, 0.8), (False,)),
    (0.5, 0.8, True),
    (0.2, 0.8, True),
)
# A quicker run (--quick): the baseline, the best setting without and with bigram backoff.
QUICK = ((0.2, 0.8, False), (0.5, 0.8, True))


class Columns:
    """The TLM column of a library's items, its clauses' word counts remembered."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.postings = max(1, len(library.index.bm25.docs))

    @functools.cache  # noqa: B019 (one per library, lives as long as the run)
    def clause(self, position: int) -> tuple[dict[str, int], str]:
        text = fold_for_search(self.library.clauses[position].text)
        counts: dict[str, int] = {}
        for word in self.library.tokenizer.words(text):
            if _CJK.match(word):
                counts[word] = counts.get(word, 0) + 1
        return counts, fold_layout(self.library.clauses[position].text)

    @functools.cache  # noqa: B019
    def asked(self, query: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
        words = tuple(fit_bridge.question_words(query, self.library.tokenizer))
        bm25 = self.library.index.bm25
        prior = tuple((len(bm25.postings(w)[0]) + 0.5) / self.postings for w in words)
        return words, prior

    def column(self, item: fitting.Item, model: TranslationLM) -> np.ndarray:
        words, prior = self.asked(str(item.case["query"]))
        if not words or not item.positions:
            return np.zeros(len(item.positions))
        scores = np.array(
            [model.score(words, *self.clause(p), prior) for p in item.positions], np.float64
        )
        return (scores - scores.max()) / len(words)


def fold(query: object) -> int:
    """The cross-fitting fold of a fitting-part question."""
    return zlib.crc32(str(query).encode()) % FOLDS


def with_column(
    items: list[fitting.Item], columns: Columns, models: Sequence[TranslationLM] | None
) -> list[fitting.Item]:
    """The items with the TLM column appended (zeros when `models` is None): one model for
    all, or per fold the model learned without that fold's questions."""
    out = []
    for item in items:
        if item.routed or not len(item.features) or models is None:
            extra = np.zeros((len(item.features), 1))
        else:
            model = models[0] if len(models) == 1 else models[fold(item.case["query"])]
            extra = columns.column(item, model)[:, None]
        out.append(dataclasses.replace(item, features=np.hstack([item.features, extra])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two settings only")
    settings = QUICK if parser.parse_args().quick else SETTINGS
    split = round4.parts()
    libs = round4.libraries(split)
    fitted = split["stard"][0] + split["gen"][0]
    pairs = fit_bridge.pairs(libs["stard"], fitted)
    learned = TranslationLM.learn(pairs, iterations=10)
    # Cross-fitting: a fitting question's column comes from a table learned without it, else
    # the table has memorised its gold clause and the rerank weight is fitted on a leak.
    by_fold = [
        TranslationLM.learn(
            fit_bridge.pairs(libs["stard"], [i for i in fitted if fold(i["query"]) != k]),
            iterations=10,
        )
        for k in range(FOLDS)
    ]
    sources = sum(len(v) for v in learned.table.values())
    print(f"TLM table: {len(learned.table)} question words, {sources} entries, {len(pairs)} pairs")
    collected: dict[str, list[fitting.Item]] = {}
    for name in ("stard", "gen"):
        fit_part, check_part = split[name]
        sets = datasets.WORK / "sets"
        fit_file = datasets.write_jsonl(fit_part, sets / f"round4-{name}-fit.jsonl")
        check_file = datasets.write_jsonl(check_part, sets / f"round4-{name}-check.jsonl")
        collected[f"{name}-fit"] = fitting.collect(libs[name], fit_file)
        collected[f"{name}-check"] = fitting.collect(libs[name], check_file)
    collected["dev"] = fitting.collect(libs["dev"], datasets.DEV)
    columns = {name: Columns(libs[name.split("-")[0]]) for name in collected}
    expansion = libs["dev"].models.expansion
    for setting in (None, *settings):
        if setting is None:
            whole, crossed = None, None
        else:
            knobs = dict(smoothing=setting[0], translation=setting[1], bigram_backoff=setting[2])
            whole = [dataclasses.replace(learned, **knobs)]
            crossed = [dataclasses.replace(m, **knobs) for m in by_fold]
        items = {
            n: with_column(i, columns[n], crossed if n.endswith("-fit") else whole)
            for n, i in collected.items()
        }
        fit_items = items["stard-fit"] + items["gen-fit"]
        models = fitting.fit_all(fit_items, expansion)
        ranking_only = dataclasses.replace(models, min_coverage=0.0, min_words=0)
        print(f"== {setting or 'baseline'}  tlm weight {models.rank[-1]:.3f}", flush=True)
        for name in ("gen", "stard"):
            check = items[f"{name}-check"]
            print(f"   {name}-check  {round4.figures([fitting.judge(i, models) for i in check])}")
            rank = [fitting.judge(i, ranking_only) for i in check]
            print(f"   {name}-rank   {round4.figures(rank)}")
        dev = items["dev"]
        alone = fitting.cross_validate(dev, 5, expansion=expansion)
        print(f"   dev-cv       {round4.figures(alone)}")
        pooled = fitting.cross_validate(dev, 5, extra=fit_items, expansion=expansion)
        print(f"   dev-cv+fit   {round4.figures(pooled)}", flush=True)
        # The same folds with the rule off: what the rerank alone does.
        alone = fitting.cross_validate(dev, 5, expansion=expansion, ranking_only=True)
        print(f"   dev-cv-rank  {round4.figures(alone)}")
        pooled = fitting.cross_validate(
            dev, 5, extra=fit_items, expansion=expansion, ranking_only=True
        )
        print(f"   dev-cv+fit-rank {round4.figures(pooled)}", flush=True)


if __name__ == "__main__":
    main()
