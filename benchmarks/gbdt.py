"""Round 6 of issue 22: a gradient-boosted rerank (LambdaMART) against the linear one.

    .venv/bin/python -m benchmarks.gbdt_collect --depth 20      # candidates, once (~10 min)
    python -m benchmarks.gbdt --select     # settings, train splits only (a venv with .[bench])
    python -m benchmarks.gbdt --depth 20   # held-out figures (also --depth 50, --no-cv)

Needs lightgbm (the `bench` extra); the answer path never imports it. Candidates and their
features do not depend on the models, so every ranker is fitted on the same collected items:
the train splits (STARD train, generated train) plus the dev set, as fit_ranking does; the dev
set is judged in 5-fold CV (benchmarks' folds: seed 13, stratified) with the train splits in
every fold, every other suite held out. The abstain rule (ranking.py) is refitted for each
ranker on its training items' top candidates, scored out of fold (3 folds) so the rule is not
set on tops the ranker memorised. `--select` picks the ranker's settings on the train splits
alone (a third of the generated train documents and every third STARD train item validate).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import zlib
from collections.abc import Callable, Sequence

import lightgbm
import numpy as np

from benchmarks import datasets
from benchmarks.gbdt_collect import BASE, COLUMNS, HELD_SETS, load
from retrieval.evaluation import fitting
from retrieval.search.ranking import FEATURES, Models

Items = list[fitting.Item]
Scorer = Callable[[np.ndarray], np.ndarray]
# The ranker's settings chosen by --select (train splits only); see docs/evaluation.md.
SETTINGS: dict[str, object] = {
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 200,
}
GRID = (
    {"n_estimators": 150, "learning_rate": 0.05, "num_leaves": 7, "min_child_samples": 50},
    {"n_estimators": 300, "learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 50},
    {"n_estimators": 600, "learning_rate": 0.03, "num_leaves": 31, "min_child_samples": 100},
    {"n_estimators": 300, "learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 200},
)
SHIPPED_WIDTH = len(FEATURES)
EXTRA_AT = len(BASE)


def widened(items: Items) -> Items:
    """Collected columns laid out as FEATURES (margin zero) followed by the extra columns, so
    fitting.ranked, fit_answer and Models.answers read them unchanged."""
    out = []
    for item in items:
        f = item.features
        margin = np.zeros((len(f), 1))
        wide = np.hstack([f[:, :EXTRA_AT], margin, f[:, EXTRA_AT:]])
        out.append(dataclasses.replace(item, features=wide))
    return out


def with_score(items: Items, scores: Sequence[np.ndarray]) -> Items:
    """The items with a ranker's score as their last column (ranked by a one-hot weight)."""
    return [
        dataclasses.replace(i, features=np.hstack([i.features, s[:, None]]))
        for i, s in zip(items, scores, strict=True)
    ]


def columns(kind: str) -> list[int]:
    """The feature columns a ranker sees (in the widened layout)."""
    base = [i for i in range(SHIPPED_WIDTH) if FEATURES[i] != "margin"]
    if kind == "base":
        return base
    return base + list(range(SHIPPED_WIDTH, SHIPPED_WIDTH + len(COLUMNS) - len(BASE)))


def trainable(items: Items) -> Items:
    """Answerable searched items with a gold candidate: what a ranker learns from."""
    return [i for i in items if i.answerable and not i.routed and len(i.features) and any(i.gold)]


def fit_lambdamart(items: Items, kind: str, settings: dict[str, object]) -> Scorer:
    """LightGBM's lambdarank over the items' candidates (gold 1, others 0)."""
    used = trainable(items)
    cols = columns(kind)
    x = np.vstack([i.features[:, cols] for i in used])
    y = np.concatenate([np.array(i.gold, dtype=np.int32) for i in used])
    ranker = lightgbm.LGBMRanker(
        objective="lambdarank",
        random_state=22,
        n_jobs=2,
        verbose=-1,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        **settings,  # type: ignore[arg-type]
    )
    ranker.fit(x, y, group=[len(i.features) for i in used])
    return lambda f: np.asarray(ranker.predict(f[:, cols]), dtype=np.float64)


def fit_linear(items: Items, kind: str) -> Scorer:
    """The shipped pairwise logistic rerank (fitting.fit_rank) over the chosen columns."""
    cols = columns(kind)
    weights = np.zeros(items[0].features.shape[1] if items else len(FEATURES))
    narrowed = [
        dataclasses.replace(i, features=i.features[:, cols]) for i in items if i.features.size
    ]
    weights[cols] = _rank(narrowed)
    return lambda f: f @ weights


def _rank(items: Items) -> np.ndarray:
    """Pairwise logistic regression as fitting.fit_rank, for any width (no margin column)."""
    diffs = []
    for item in trainable(items):
        golds = item.features[[i for i, g in enumerate(item.gold) if g]]
        others = item.features[[i for i, g in enumerate(item.gold) if not g]]
        diffs.extend(g - o for g in golds[:2] for o in others)
    d = np.array(diffs)
    x = np.vstack([d, -d])
    y = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
    return fitting.logistic(x, y, l2=1.0)[:-1]


def scored(items: Items, scorer: Scorer) -> Items:
    """Items with the scorer's score appended (zeros for routed or empty ones)."""
    return with_score(
        items, [scorer(i.features) if len(i.features) else np.zeros(0) for i in items]
    )


def fit(items: Items, make: Callable[[Items], Scorer], expansion: object) -> tuple[Scorer, Models]:
    """A ranker on all items, and the abstain rule fitted on out-of-fold scores of them."""
    scorer = make(items)
    folds = [zlib.crc32(str(i.case["query"]).encode()) % 3 for i in items]
    out_of_fold: list[np.ndarray] = [np.zeros(0)] * len(items)
    for k in range(3):
        part = make([i for i, f in zip(items, folds, strict=True) if f != k])
        for n, (item, f) in enumerate(zip(items, folds, strict=True)):
            if f == k:
                out_of_fold[n] = part(item.features) if len(item.features) else np.zeros(0)
    ranked_items = with_score(items, out_of_fold)
    one_hot = np.zeros(ranked_items[0].features.shape[1])
    one_hot[-1] = 1.0
    rule = fitting.fit_answer(ranked_items, one_hot)
    return scorer, fitting.models_from(one_hot, rule, expansion)  # type: ignore[arg-type]


def judged(items: Items, scorer: Scorer, models: Models) -> list[fitting.Outcome]:
    """Held-out outcomes under a ranker and its rule."""
    return [fitting.judge(i, models) for i in scored(items, scorer)]


def cross_validated(
    dev: Items, extra: Items, make: Callable[[Items], Scorer], expansion: object
) -> tuple[list[fitting.Outcome], list[fitting.Outcome]]:
    """fitting.cross_validate's folds (seed 13, stratified) with any ranker: outcomes under
    the rule refitted in each fold, and under the shipped rule."""
    rng = random.Random(13)
    folds: list[list[int]] = [[] for _ in range(5)]
    for answerable in (True, False):
        group = [i for i, it in enumerate(dev) if it.answerable == answerable]
        rng.shuffle(group)
        for n, index in enumerate(group):
            folds[n % 5].append(index)
    refitted: dict[int, fitting.Outcome] = {}
    shipped: dict[int, fitting.Outcome] = {}
    for fold in folds:
        held = set(fold)
        train = [dev[i] for i in range(len(dev)) if i not in held] + extra
        scorer, models = fit(train, make, expansion)
        items = [dev[i] for i in fold]
        for i, outcome in zip(fold, judged(items, scorer, models), strict=True):
            refitted[i] = outcome
        for i, outcome in zip(fold, judged(items, scorer, shipped_rule(models)), strict=True):
            shipped[i] = outcome
    return [refitted[i] for i in range(len(dev))], [shipped[i] for i in range(len(dev))]


def shipped_rule(models: Models) -> Models:
    """The models with the abstain rule of config/data/ranking.json instead of a refit one."""
    shipped = Models.load(datasets.PROJECT_ROOT / "config" / "data" / "ranking.json")
    return dataclasses.replace(
        models, min_coverage=shipped.min_coverage, min_words=shipped.min_words
    )


def summary(outcomes: list[fitting.Outcome]) -> str:
    """R@1 / R@3 / FA / near-topic abstain, then the ranking alone (abstaining ignored)."""
    asked = [o for o in outcomes if o.item.answerable]
    oos = [o for o in outcomes if not o.item.answerable]
    n = max(1, len(asked))
    text = (
        f"R@1={sum(o.rank == 1 for o in asked) / n:.3f} "
        f"R@3={sum(o.rank is not None for o in asked) / n:.3f} "
        f"FA={sum(o.abstained for o in asked) / n:.3f}"
    )
    if oos:
        text += f" OOS={sum(o.abstained for o in oos) / len(oos):.3f}"
    return text + f" (n={len(asked)}+{len(oos)})"


def ranking_only(items: Items, scorer: Scorer) -> str:
    """R@1 / R@3 of the order alone, and gold among the candidates."""
    searched = [i for i in items if i.answerable and not i.routed and len(i.features)]
    asked = [i for i in items if i.answerable]
    ranks = []
    for item in asked:
        if item.routed:
            ranks.append(item.fixed_rank)
            continue
        if not len(item.features):
            ranks.append(None)
            continue
        s = scorer(item.features)
        named = item.features[:, FEATURES.index("named")]
        order = sorted(range(len(s)), key=lambda i: (named[i] == 0, -s[i], i))
        ranks.append(fitting.first_gold(item, order))
    n = max(1, len(asked))
    reach = sum(any(i.gold) for i in searched) / max(1, len(searched))
    return (
        f"ranked R@1={sum(r == 1 for r in ranks) / n:.3f} "
        f"R@3={sum(r is not None for r in ranks) / n:.3f}  gold-in-candidates={reach:.3f}"
    )


def rankers(settings: dict[str, object]) -> dict[str, Callable[[Items], Scorer]]:
    """The compared rankers by name."""
    return {
        "linear": lambda items: fit_linear(items, "base"),
        "linear+extra": lambda items: fit_linear(items, "all"),
        "lambdamart": lambda items: fit_lambdamart(items, "base", settings),
        "lambdamart+extra": lambda items: fit_lambdamart(items, "all", settings),
    }


def validation(depth: int) -> None:
    """Settings judged on the train splits alone (never a test split)."""
    gen_files = {str(i["id"]): str(i.get("file")) for i in datasets.generated("train")}
    gen = widened(load("gen-train", depth))
    stard = widened(load("stard-train", depth))
    held_gen = [zlib.crc32(gen_files[str(i.case["id"])].encode()) % 3 == 0 for i in gen]
    fit_items = [i for i, h in zip(gen, held_gen, strict=True) if not h]
    fit_items += [i for n, i in enumerate(stard) if n % 3]
    checks = {
        "gen-check": [i for i, h in zip(gen, held_gen, strict=True) if h],
        "stard-check": [i for n, i in enumerate(stard) if n % 3 == 0],
    }
    options: list[tuple[str, Callable[[Items], Scorer]]] = [
        ("linear", rankers(SETTINGS)["linear"]),
        ("linear+extra", rankers(SETTINGS)["linear+extra"]),
    ]
    for settings in GRID:
        for kind in ("base", "all"):
            options.append(
                (
                    f"lambdamart {kind} {settings}",
                    lambda it, s=settings, k=kind: fit_lambdamart(it, k, s),
                )
            )
    for name, make in options:
        scorer = make(fit_items)
        print(f"== {name}", flush=True)
        for check, items in checks.items():
            print(f"   {check:<12} {ranking_only(items, scorer)}", flush=True)


def report(depth: int, names: Sequence[str], cv: bool = True) -> None:
    """Every suite under every named ranker, with the abstain rule refitted for it and with
    the shipped rule."""
    train = widened(load("stard-train", depth)) + widened(load("gen-train", depth))
    dev = widened(load("dev", depth))
    held = {name: widened(load(name, depth)) for name in HELD_SETS}
    expansion = Models.load(datasets.PROJECT_ROOT / "config" / "data" / "ranking.json").expansion
    for name in names:
        make = rankers(SETTINGS)[name]
        scorer, models = fit(train + dev, make, expansion)
        print(
            f"== {name} (depth {depth}; refit rule coverage ≥ {models.min_coverage}, "
            f"words ≥ {models.min_words})",
            flush=True,
        )
        for suite, items in held.items():
            outcomes = judged(items, scorer, models)
            fixed = judged(items, scorer, shipped_rule(models))
            print(f"  {suite:<10} {summary(outcomes)}  {ranking_only(items, scorer)}")
            print(f"  {'':<10} shipped rule: {summary(fixed)}", flush=True)
            if suite == "gen":
                print("\n".join(f"      {line}" for line in fitting.table(outcomes)))
                print("      shipped rule:")
                print("\n".join(f"      {line}" for line in fitting.table(fixed)))
        outcomes = judged(dev, scorer, models)
        print(f"  {'dev-bundled':<10} {summary(outcomes)}  {ranking_only(dev, scorer)}")
        if not cv:
            continue
        refit, fixed = cross_validated(dev, train, make, expansion)
        print(f"  {'dev CV':<10} {summary(refit)}")
        print("\n".join(f"      {line}" for line in fitting.table(refit)))
        print(f"  {'dev CV':<10} shipped rule: {summary(fixed)}")
        print("\n".join(f"      {line}" for line in fitting.table(fixed)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--select", action="store_true", help="settings on train splits only")
    parser.add_argument("--rankers", default="linear,linear+extra,lambdamart,lambdamart+extra")
    parser.add_argument("--no-cv", action="store_true", help="skip the dev set's 5-fold CV")
    args = parser.parse_args()
    if args.select:
        validation(args.depth)
    else:
        report(args.depth, args.rankers.split(","), cv=not args.no_cv)


if __name__ == "__main__":
    main()
