"""Round 4 of issue 22: judge a retrieval method on the train splits only.

    .venv/bin/python -m benchmarks.round4                      # the shipped method

The methods round 4 measured with it (a context field, feedback, question-word factors) were
not kept and are gone from the code; they are in the history (docs/evaluation.md, Round 4).

Validation without the test splits: the generated train split is cut by document (a third of
its documents, by a CRC of the file name, are validation; their questions are never fitted on)
and STARD train by query (every third item). The learned bridge is re-learned from the fitting
part only, so it never saw a validation question. The rerank and the
abstain rule are fitted on the fitting part (fitting.fit_all, as fit_ranking does) and the
validation part is judged; the dev set is reported in 5-fold CV, alone and with the fitting
part in every fold.
Per part: R@1 / R@3 / false-abstain / OOS abstain, then the same ranking-only (no abstain).
"""

from __future__ import annotations

import argparse
import dataclasses
import zlib

from benchmarks import datasets, fit_bridge
from retrieval.evaluation import fitting
from retrieval.library import Library

Items = list[dict[str, object]]


def parts() -> dict[str, tuple[Items, Items]]:
    """(fitting, validation) items per train split."""
    stard, _ = datasets.stard_split()
    gen = datasets.generated("train")
    held = [zlib.crc32(str(i["file"]).encode()) % 3 == 0 for i in gen]
    return {
        "stard": (
            [i for n, i in enumerate(stard) if n % 3],
            [i for n, i in enumerate(stard) if n % 3 == 0],
        ),
        "gen": (
            [i for i, h in zip(gen, held, strict=True) if not h],
            [i for i, h in zip(gen, held, strict=True) if h],
        ),
    }


def libraries(split: dict[str, tuple[Items, Items]]) -> dict[str, Library]:
    """The libraries searched, with the bridge learned from the fitting parts only."""
    gen_files = {str(i["file"]) for i in split["gen"][0] + split["gen"][1] if i.get("file")}
    out = {
        "stard": datasets.library("all", datasets.law_files()),
        "gen": datasets.library("gen-train", datasets.law_files(gen_files)),
        "dev": datasets.library("seeds", []),
    }
    fitted = split["stard"][0] + split["gen"][0]
    bridge = fit_bridge.table(fit_bridge.learn(fit_bridge.pairs(out["stard"], fitted)))
    for library in out.values():
        library.tokenizer.bridge = bridge
    return out


def figures(outcomes: list[fitting.Outcome]) -> str:
    """R@1 / R@3 / false-abstain, and out-of-scope abstain when there are such items."""
    answerable = [o for o in outcomes if o.item.answerable]
    oos = [o for o in outcomes if not o.item.answerable]
    n = max(1, len(answerable))
    r1 = sum(o.rank == 1 for o in answerable) / n
    r3 = sum(o.rank is not None and o.rank <= 3 for o in answerable) / n
    fa = sum(o.abstained for o in answerable) / n
    text = f"R@1 {r1:.3f} R@3 {r3:.3f} FA {fa:.3f}"
    if oos:
        text += f" OOS {sum(o.abstained for o in oos) / len(oos):.3f}"
    return text + f" (n={len(answerable)}+{len(oos)})"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    split = parts()
    libs = libraries(split)
    collected: dict[str, tuple[list[fitting.Item], list[fitting.Item]]] = {}
    for name in ("stard", "gen"):
        fit_part, check_part = split[name]
        sets = datasets.WORK / "sets"
        fit_file = datasets.write_jsonl(fit_part, sets / f"round4-{name}-fit.jsonl")
        check_file = datasets.write_jsonl(check_part, sets / f"round4-{name}-check.jsonl")
        collected[name] = (
            fitting.collect(libs[name], fit_file),
            fitting.collect(libs[name], check_file),
        )
    expansion = libs["dev"].models.expansion
    dev = fitting.collect(libs["dev"], datasets.DEV)
    print("== the shipped method")
    fit_items = collected["stard"][0] + collected["gen"][0]
    models = fitting.fit_all(fit_items, expansion)
    ranking_only = dataclasses.replace(models, min_coverage=0.0, min_words=0)
    print(f"   rule {models.min_coverage}/{models.min_words}")
    for name in ("gen", "stard"):
        check = collected[name][1]
        print(f"   {name}-check  {figures([fitting.judge(i, models) for i in check])}")
        print(f"   {name}-rank   {figures([fitting.judge(i, ranking_only) for i in check])}")
        searched = [i for i in check if i.answerable and not i.routed]
        recall = sum(any(i.gold) for i in searched) / max(1, len(searched))
        print(f"   {name}-check gold among the {fitting.CANDIDATES} candidates: {recall:.3f}")
    print(f"   dev-cv       {figures(fitting.cross_validate(dev, 5, expansion=expansion))}")
    pooled = fitting.cross_validate(dev, 5, extra=fit_items, expansion=expansion)
    print(f"   dev-cv+fit   {figures(pooled)}")


if __name__ == "__main__":
    main()
