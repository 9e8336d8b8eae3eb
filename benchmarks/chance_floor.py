"""Issue 23: an abstain floor on evidence against chance in a large library (measured, not kept).

    .venv/bin/python -m benchmarks.chance_floor      # ~3 min with the libraries cached

For the best candidate, the idf (in the library searched) of the question words it holds, minus
ln N: the log of how many of the library's N clauses would hold them all by chance. Tried as one
more floor of the shipped abstain rule on round 4's held-out train parts (generated validation
in its own library and with all laws, STARD validation with all laws) and the dev set with all
laws; prints R@1 / false-abstain / out-of-scope abstain per floor.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks import datasets, round4
from retrieval.evaluation import fitting
from retrieval.library import Library

FLOORS = (-99.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)


def chance(library: Library, item: fitting.Item) -> float:
    """Matched words' idf minus ln N for the item's best candidate (shipped rerank)."""
    index = library.index
    query, _ = library.prepare(str(item.case["query"]))
    order, _ = fitting.ranked(item, np.array(library.models.rank))
    position = item.positions[order[0]]
    evidence = 0.0
    for word in index.plan(query.words, query.alternates):
        found = [index._idf(t) for t in word.exact if index.bm25.present(t, [position])]
        found += [
            weight * index._idf(t)
            for t, weight in word.alternates
            if index.bm25.present(t, [position])
        ]
        evidence += max(found, default=0.0)
    return evidence - math.log(index.bm25.doc_count)


def row(library: Library, items: list[fitting.Item], floor: float) -> str:
    """R@1 / false-abstain / out-of-scope abstain with the floor added to the shipped rule."""
    n = right = abstained_ok = n_oos = abstained_oos = 0
    for item in items:
        outcome = fitting.judge(item, library.models)
        answered = not outcome.abstained
        if answered and not item.routed and len(item.features):
            answered = item.case["chance"] >= floor  # type: ignore[operator]
        if item.answerable:
            n += 1
            right += answered and outcome.rank == 1
            abstained_ok += not answered
        else:
            n_oos += 1
            abstained_oos += not answered
    oos = f"{abstained_oos / n_oos:.3f}" if n_oos else "—"
    return f"{right / n:.3f} / {abstained_ok / n:.3f} / {oos}"


def main() -> None:
    split = round4.parts()
    gen_val, stard_val = split["gen"][1], split["stard"][1]
    everything = split["gen"][0] + gen_val
    own = datasets.library(
        "gen-train", datasets.law_files({str(i["file"]) for i in everything if i.get("file")})
    )
    laws = datasets.library("all", datasets.law_files())
    sets = {
        "generated val, own library": (own, gen_val),
        "generated val, all laws": (laws, gen_val),
        "STARD val, all laws": (laws, stard_val),
        "dev-all": (laws, datasets.read_jsonl(datasets.DEV)),
    }
    collected = {}
    for number, (name, (library, cases)) in enumerate(sets.items()):
        path = datasets.write_jsonl(cases, datasets.WORK / "sets" / f"chance-{number}.jsonl")
        items = fitting.collect(library, path)
        for item in items:
            if not item.routed and len(item.features):
                item.case["chance"] = chance(library, item)
        collected[name] = (library, items)
    print("floor | " + " | ".join(sets))
    for floor in FLOORS:
        cells = [row(library, items, floor) for library, items in collected.values()]
        print(f"{floor:5.0f} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
