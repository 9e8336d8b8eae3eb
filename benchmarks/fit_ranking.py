"""Fit ranking.json on the train splits plus the dev set: expansion weights, rerank, abstain.

    .venv/bin/python -m benchmarks.fit_ranking            # ~15 min with the libraries cached

Train data (benchmarks/datasets.py): STARD train's 80 % searched in all of ../shared/laws (plus
the seeds), the generated train split searched in the seeds plus its own documents, and the dev
set in the bundled library. Never the STARD test split, the generated test split, corpus-extra
or our own questions.

1. The expansion weights (synonyms.txt, curated lexicon, learned bridge and its coverage share;
   thesaurus 0.4 and related 0.2 kept by an earlier search over 0.2/0.4 and 0/0.2)
   by coordinate search: for each setting every question is searched again, the rerank and the
   abstain rule are fitted on all of it, and the setting is scored by the mean over the three
   sets of (R@1 + R@3) / 2 (an abstained question counts as missed) plus half the share of
   out-of-scope queries abstained on.
2. The rerank (pairwise logistic regression) and the abstain rule on all items, with the chosen
   weights; written to config/data/ranking.json. The train splits' collected candidates are
   saved to data/quality/train_items.json for `policybot eval --cv 5 --train-items`.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from benchmarks import datasets, fit_bridge
from config.settings import LEXICON_DIR
from retrieval.evaluation import fitting
from retrieval.library import MODELS_FILE, Library
from retrieval.search.ranking import ExpansionWeights, Models

TRAIN_ITEMS = datasets.WORK / "train_items.json"
GRID = {
    "curated": (0.2, 0.4, 0.6, 0.8),
    "lexicon": (0.4, 0.8),
    "bridge": (0.15, 0.3),
    "bridge_coverage": (0.0, 0.3),
}


def train_sets(every: int = 1) -> dict[str, tuple[Library, Path]]:
    """The libraries and item files fitted on; with `every` > 1 only every n-th train item
    (a quicker search; the final fit takes them all), and the learned bridge of the search is
    learned from the other train items only, so its weight is judged on questions it never saw.
    """
    stard_all, _ = datasets.stard_split()
    gen_all = datasets.generated("train")
    stard_train, gen_train = stard_all[::every], gen_all[::every]
    files = {str(i["file"]) for i in gen_train if i.get("file")}
    sets = {
        "stard-train": (
            datasets.library("all", datasets.law_files()),
            datasets.write_jsonl(stard_train, datasets.WORK / "sets" / "stard-train.jsonl"),
        ),
        "dev": (datasets.library("seeds", []), datasets.DEV),
    }
    if gen_train:
        sets["gen-train"] = (
            datasets.library("gen-train", datasets.law_files(files)),
            datasets.write_jsonl(gen_train, datasets.WORK / "sets" / "gen-train.jsonl"),
        )
    if every > 1:
        rest = [i for n, i in enumerate(stard_all) if n % every] + [
            i for n, i in enumerate(gen_all) if n % every
        ]
        held_out = fit_bridge.table(
            fit_bridge.learn(fit_bridge.pairs(sets["stard-train"][0], rest))
        )
        for library, _ in sets.values():
            library.tokenizer.bridge = held_out
    return sets


def collect(
    sets: dict[str, tuple[Library, Path]], weights: ExpansionWeights
) -> dict[str, list[fitting.Item]]:
    """Every set's items searched with these expansion weights."""
    out = {}
    for name, (library, path) in sets.items():
        library.models = dataclasses.replace(library.models, expansion=weights)
        out[name] = fitting.collect(library, path)
    return out


def objective(collected: dict[str, list[fitting.Item]]) -> tuple[float, Models]:
    """Mean over sets of (R@1 + R@3) / 2, plus half the mean out-of-scope abstain rate,
    under models fitted on all the items."""
    pooled = [item for items in collected.values() for item in items]
    models = fitting.fit_all(pooled)
    ranking, abstaining = [], []
    for items in collected.values():
        outcomes = [fitting.judge(item, models) for item in items]
        answerable = [o for o in outcomes if o.item.answerable]
        oos = [o for o in outcomes if not o.item.answerable]
        if answerable:
            at1 = sum(o.rank == 1 for o in answerable) / len(answerable)
            at3 = sum(o.rank is not None and o.rank <= 3 for o in answerable) / len(answerable)
            ranking.append((at1 + at3) / 2)
        if oos:
            abstaining.append(sum(o.abstained for o in oos) / len(oos))
    score = sum(ranking) / len(ranking) + 0.5 * sum(abstaining) / max(1, len(abstaining))
    return score, models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="coordinate-search passes")
    parser.add_argument("--every", type=int, default=3, help="search on every n-th item")
    args = parser.parse_args()
    sets = train_sets(args.every)
    # The start: the last fit's thesaurus and related weights (0.4, 0.2) kept, the bridge on.
    weights = ExpansionWeights(bridge=0.3, bridge_coverage=0.3)
    scores: dict[ExpansionWeights, float] = {}

    def score(candidate: ExpansionWeights) -> float:
        if candidate not in scores:
            started = time.perf_counter()
            scores[candidate] = objective(collect(sets, candidate))[0]
            took = time.perf_counter() - started
            print(f"  {scores[candidate]:.4f}  {candidate}  ({took:.0f} s)", flush=True)
        return scores[candidate]

    for _ in range(args.rounds):
        for name, values in GRID.items():
            options = [dataclasses.replace(weights, **{name: v}) for v in values]
            weights = max(options, key=lambda w: (score(w), w == weights))
        print(f"round best {scores[weights]:.4f} {weights}", flush=True)
    collected = collect(train_sets(), weights)
    _, models = objective(collected)
    models = dataclasses.replace(models, expansion=weights)
    (LEXICON_DIR / MODELS_FILE).write_text(models.to_json() + "\n", encoding="utf-8")
    train_only = [i for name, items in collected.items() if name != "dev" for i in items]
    fitting.save_items(train_only, TRAIN_ITEMS)
    print(f"wrote {LEXICON_DIR / MODELS_FILE} and {TRAIN_ITEMS}")


if __name__ == "__main__":
    main()
