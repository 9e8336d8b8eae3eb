"""The abstain decision: the two-parameter rule against a learned (logistic) one, held out.

    .venv/bin/python -m benchmarks.abstain       # after fit_ranking and benchmarks.quality

Reads the train splits' collected candidates (data/quality/train_items.json, written by
`benchmarks.fit_ranking`) and the held-out suites' (data/quality/held_out/*.json, written by
`benchmarks.quality`); candidates and their features do not depend on the models, so each
decision is fitted on the train splits plus the dev set and judged on every held-out suite
without searching again (dev: 5-fold CV with the train splits in every fold). Then the learned
decision's trade-off on the generated test split: its bias moved by fixed steps.
"""

from __future__ import annotations

import argparse
import dataclasses

from benchmarks import datasets
from retrieval.evaluation import fitting
from retrieval.search.ranking import Models

HELD_OUT = datasets.WORK / "held_out"
SUITES = ("stard-test", "gen", "gen-all", "extra", "own", "dev-all")


def summary(outcomes: list[fitting.Outcome], models: Models | None = None) -> str:
    """R@1 / R@3 / false-abstain, out-of-scope abstain, near-topic abstain, answering precision;
    with `models`, also R@1 / R@3 of the ranking alone (abstaining ignored)."""
    asked = [o for o in outcomes if o.item.answerable]
    oos = [o for o in outcomes if not o.item.answerable]
    near = [o for o in oos if "near-topic OOS" in o.item.styles]
    answered = [o for o in outcomes if not o.abstained]
    n = len(asked) or 1
    r1 = sum(o.rank == 1 for o in asked) / n
    r3 = sum(o.rank is not None for o in asked) / n
    fa = sum(o.abstained for o in asked) / n
    parts = [f"R@1={r1:.3f} R@3={r3:.3f} FA={fa:.3f}"]
    if models is not None:
        rank_w = fitting.np.array(models.rank)
        ranks = [
            o.item.fixed_rank
            if o.item.routed
            else fitting.first_gold(o.item, fitting.ranked(o.item, rank_w)[0])
            for o in asked
        ]
        parts.append(
            f"ranked R@1={sum(r == 1 for r in ranks) / n:.3f}"
            f" R@3={sum(r is not None for r in ranks) / n:.3f}"
        )
    if oos:
        parts.append(f"OOS={sum(o.abstained for o in oos) / len(oos):.3f}")
    if near:
        parts.append(f"near={sum(o.abstained for o in near) / len(near):.3f}")
    if oos and answered:
        parts.append(f"prec={sum(o.item.answerable for o in answered) / len(answered):.3f}")
    return "  ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="2", help="answer weights of the objective")
    args = parser.parse_args()
    train = fitting.load_items(datasets.WORK / "train_items.json")
    dev = fitting.load_items(HELD_OUT / "dev.json")
    held = {name: fitting.load_items(HELD_OUT / f"{name}.json") for name in SUITES}
    rule = fitting.fit_all(train + dev, learn_abstain=False)
    variants: dict[str, Models] = {"rule": rule}
    rank_w = fitting.np.array(rule.rank)
    floor = (rule.min_coverage, rule.min_words)
    for weight in (float(w) for w in args.weights.split(",")):
        learned = fitting.fit_abstain(train + dev, rank_w, floor, weight)
        variants[f"learned w={weight:g}"] = dataclasses.replace(rule, abstain=learned)
    for name, models in variants.items():
        print(f"== {name}  abstain={models.abstain}")
        for suite, items in held.items():
            print(f"  {suite:<8} {summary([fitting.judge(i, models) for i in items])}")
        learn = name != "rule"
        cv = fitting.cross_validate(dev, 5, extra=train, learn_abstain=learn)
        print(f"  {'dev CV':<8} {summary(cv)}")
    learned = variants[f"learned w={float(args.weights.split(',')[0]):g}"]
    if learned.abstain:
        print("== trade-off on the generated test split: bias moved by")
        for shift in (-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5):
            moved = (*learned.abstain[:-1], learned.abstain[-1] + shift)
            models = dataclasses.replace(learned, abstain=moved)
            figures = summary([fitting.judge(i, models) for i in held["gen"]])
            print(f"  {shift:+.1f}  {figures}")


if __name__ == "__main__":
    main()
