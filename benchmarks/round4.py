"""Round 4 of issue 22: choose retrieval methods on the train splits only.

    .venv/bin/python -m benchmarks.round4 --context 0.3 --feedback 0.3

Validation without the test splits: the generated train split is cut by document (a third of
its documents, by a hash of the file name, are validation; their questions are never fitted
on) and STARD train by query (every third item). The learned bridge is re-learned from the
fitting part only, so it never saw a validation question. The rerank and the abstain rule are
fitted on the fitting part (models_from, as fit_ranking does), the validation part is judged;
the dev set is reported in 5-fold CV (dev folds only) and must not get worse.
Prints R@1 / R@3 / false-abstain / OOS abstain per part, for each variant asked for.
"""

from __future__ import annotations

import argparse
import dataclasses
import zlib
from bisect import bisect_right

import numpy as np

from benchmarks import datasets, fit_bridge
from retrieval.evaluation import fitting
from retrieval.library import Library
from retrieval.question import query as query_module
from retrieval.search import index as index_module
from retrieval.search.ranking import FEATURES
from retrieval.words.normalize import fold_layout

_LOCAL = FEATURES.index("local")
_COVER = FEATURES.index("doc_cover")
RELIABLE_FULL = 0.3  # a reliability at which a bridge counts fully


def parts() -> dict[str, tuple[list[dict[str, object]], list[dict[str, object]]]]:
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


def libraries(
    split: dict[str, tuple[list[dict[str, object]], list[dict[str, object]]]],
    reliability: bool = False,
) -> dict[str, Library]:
    """The libraries searched, with the bridge learned from the fitting parts only."""
    gen_files = {str(i["file"]) for a, b in [split["gen"]] for i in a + b if i.get("file")}
    out = {
        "stard": datasets.library("all", datasets.law_files()),
        "gen": datasets.library("gen-train", datasets.law_files(gen_files)),
        "dev": datasets.library("seeds", []),
    }
    fitted = split["stard"][0] + split["gen"][0]
    learned = fit_bridge.learn(fit_bridge.pairs(out["stard"], fitted))
    bridge = fit_bridge.table(learned)
    if reliability:
        # Measured where the fitting items were asked: STARD's in the laws, gen's in theirs.
        bridge = reliable(out["stard"], split["stard"][0], learned)
        more = reliable(out["gen"], split["gen"][0], learned)
        bridge = {w: (*bridge.get(w, ()), *more.get(w, ())) for w in {*bridge, *more}}
        query_module.BRIDGE_RELATIVE = False
        print(f"reliable bridges: {sum(map(len, bridge.values()))} of {len(learned)}")
    for library in out.values():
        library.tokenizer.bridge = bridge
    return out


def reliable(
    library: Library, items: list[dict[str, object]], learned: list[fit_bridge.Translation]
) -> dict[str, tuple[tuple[str, float], ...]]:
    """The learned bridges weighted by how well they tell the gold clause from its document's
    other clauses on the fitting items: P(target in gold | source asked) minus the mean share
    of the gold document's clauses holding the target, scaled by RELIABLE_FULL; pairs at or
    below 0 dropped."""
    wanted = {(t.source, t.target) for t in learned}
    sources = {s for s, _ in wanted}
    texts = [fold_layout(c.text) for c in library.clauses]
    offsets, offset = [], 0
    for text in texts:
        offsets.append(offset)
        offset += len(text) + 1
    blob = "\x00".join(texts)
    starts, ends = library.index._doc_bounds()
    words_of: dict[int, set[str]] = {}

    def words(position: int) -> set[str]:
        if position not in words_of:
            words_of[position] = set(fit_bridge.clause_words(texts[position], library.tokenizer))
        return words_of[position]

    asked_n: dict[str, int] = {}
    hits: dict[tuple[str, str], float] = {}
    base: dict[tuple[str, str], float] = {}
    for item in items:
        if item.get("expect") != "answer":
            continue
        found: set[int] = set()
        for gold in item["gold"]:  # type: ignore[attr-defined]
            for snippet in gold.get("snippets", []):
                at = blob.find(fold_layout(snippet))
                if at >= 0:
                    found.add(bisect_right(offsets, at) - 1)
        if not found:
            continue
        asked = set(fit_bridge.question_words(str(item["query"]), library.tokenizer)) & sources
        if not asked:
            continue
        gold_words = set().union(*(words(p) for p in found))
        first = min(found)
        span = range(int(starts[first]), int(ends[first]))
        sample = list(span)[:: max(1, len(span) // 30)]  # up to ~30 clauses of the document
        for source in asked:
            asked_n[source] = asked_n.get(source, 0) + 1
            for s, target in wanted:
                if s != source:
                    continue
                hits[(s, target)] = hits.get((s, target), 0.0) + (target in gold_words)
                share = sum(target in words(p) for p in sample) / len(sample)
                base[(s, target)] = base.get((s, target), 0.0) + share
    out: dict[str, tuple[tuple[str, float], ...]] = {}
    for s, target in sorted(wanted):
        n = asked_n.get(s, 0)
        if not n:
            continue
        value = (hits.get((s, target), 0.0) - base.get((s, target), 0.0)) / n
        if value > 0:
            out[s] = (*out.get(s, ()), (target, min(1.0, value / RELIABLE_FULL)))
    return out


def figures(outcomes: list[fitting.Outcome]) -> str:
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


def without(items: list[fitting.Item], columns: tuple[int, ...]) -> list[fitting.Item]:
    """The same items with some features zeroed (those methods switched off)."""
    out = []
    for item in items:
        features = item.features.copy()
        if len(features):
            features[:, list(columns)] = 0.0
        out.append(dataclasses.replace(item, features=features))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--context", type=float, default=0.0)
    parser.add_argument("--feedback", type=float, default=0.0)
    parser.add_argument("--below", type=float, default=index_module.FEEDBACK_BELOW)
    parser.add_argument("--words", type=int, default=index_module.FEEDBACK_WORDS)
    parser.add_argument("--groups", action="store_true", help="a group per feedback word")
    parser.add_argument("--reliable", type=float, default=0.0, help="RELIABLE_FULL; 0: off")
    parser.add_argument("--bridge", type=float, default=-1.0, help="bridge weight override")
    args = parser.parse_args()
    index_module.FEEDBACK_BELOW = args.below
    index_module.FEEDBACK_WORDS = args.words
    index_module.FEEDBACK_ONE_GROUP = not args.groups
    split = parts()
    global RELIABLE_FULL
    RELIABLE_FULL = args.reliable or RELIABLE_FULL
    libs = libraries(split, args.reliable > 0)
    if args.bridge >= 0:
        for library in libs.values():
            weights = dataclasses.replace(
                library.models.expansion, bridge=args.bridge, bridge_coverage=args.bridge
            )
            library.models = dataclasses.replace(library.models, expansion=weights)
    collected: dict[str, tuple[list[fitting.Item], list[fitting.Item]]] = {}
    for name in ("stard", "gen"):
        library = libs[name]
        weights = dataclasses.replace(
            library.models.expansion, context=args.context, feedback=args.feedback
        )
        library.models = dataclasses.replace(library.models, expansion=weights)
        fit_part, check_part = split[name]
        collected[name] = tuple(  # type: ignore[assignment]
            fitting.collect(
                library,
                datasets.write_jsonl(items, datasets.WORK / "sets" / f"r4-{name}-{k}.jsonl"),
            )
            for k, items in (("fit", fit_part), ("check", check_part))
        )
    dev_lib = libs["dev"]
    dev_lib.models = dataclasses.replace(
        dev_lib.models,
        expansion=dataclasses.replace(
            dev_lib.models.expansion, context=args.context, feedback=args.feedback
        ),
    )
    dev = fitting.collect(dev_lib, datasets.DEV)
    print(
        f"== context {args.context} feedback {args.feedback} below {args.below} "
        f"words {args.words} groups {args.groups}"
    )
    variants = (
        ("neither local nor doc_cover", (_LOCAL, _COVER)),
        ("doc_cover", (_LOCAL,)),
        ("local", (_COVER,)),
    )
    for label, columns in variants:

        def change(
            items: list[fitting.Item], columns: tuple[int, ...] = columns
        ) -> list[fitting.Item]:
            return without(items, columns)

        fit_items = change(collected["stard"][0] + collected["gen"][0])
        models = fitting.fit_all(fit_items, dev_lib.models.expansion)
        weight = models.rank[_COVER]
        print(f"-- {label} (local {weight:.3f}, rule {models.min_coverage}/{models.min_words})")
        for name in ("gen", "stard"):
            outcomes = [fitting.judge(i, models) for i in change(collected[name][1])]
            print(f"  {name}-check   {figures(outcomes)}")
            ranking = [
                fitting.judge(i, dataclasses.replace(models, min_coverage=0.0, min_words=0))
                for i in change(collected[name][1])
            ]
            print(f"  {name}-rank    {figures(ranking)}")
        cv = fitting.cross_validate(change(dev), 5, expansion=dev_lib.models.expansion)
        print(f"  dev-cv       {figures(cv)}")
        cv = fitting.cross_validate(
            change(dev), 5, extra=fit_items, expansion=dev_lib.models.expansion
        )
        print(f"  dev-cv+fit   {figures(cv)}")
    recall = np.mean([any(i.gold) for i in collected["gen"][1] if i.answerable and not i.routed])
    print(f"  gen-check gold among the 20 candidates: {recall:.3f}")
    recall = np.mean([any(i.gold) for i in collected["stard"][1] if i.answerable and not i.routed])
    print(f"  stard-check gold among the 20 candidates: {recall:.3f}")


if __name__ == "__main__":
    main()
