"""Round 7: the encoder as a second candidate source, measured on the validation parts only.

    .venv/bin/python -m benchmarks.round7_union [gen]     # after benchmarks.round7 --hard

Gold among BM25's 20 candidates, among the encoder's 20 nearest clauses of the library, and
among BM25's 20 plus the encoder's 10 nearest (the table fine-tuned on the fitting parts).
"""

from __future__ import annotations

import pickle
import sys

import numpy as np

from benchmarks import datasets, dense, round4, round7
from retrieval.words.normalize import fold_layout


def main() -> None:
    items = pickle.loads((round7.WORK / "items.pkl").read_bytes())
    table = pickle.loads((round7.WORK / "tune-d64-300-0.5-hard-all.pkl").read_bytes())
    if sys.argv[1:] == ["gen"]:
        split = round4.parts()
        files = {str(i["file"]) for i in split["gen"][0] + split["gen"][1] if i.get("file")}
        library, part = datasets.library("gen-train", datasets.law_files(files)), "gen-check"
    else:
        library, part = datasets.library("all", datasets.law_files()), "stard-check"
    bags = round7.Bags(library)
    every = dense.encode(table, [bags.clause(p) for p in range(len(library.clauses))])
    texts = [fold_layout(c.text) for c in library.clauses]
    n = by_bm25 = by_dense = by_both = 0
    for item in items[part]:
        if not item.answerable or item.routed:
            continue
        snippets = [fold_layout(s) for g in item.case["gold"] for s in g.get("snippets", [])]
        q = dense.encode(table, [dense.features(str(item.case["query"]), library.tokenizer)])[0]
        scores = every @ q
        found = {
            k: any(any(s in texts[p] for s in snippets) for p in np.argpartition(-scores, k)[:k])
            for k in (10, 20)
        }
        n += 1
        by_bm25 += any(item.gold)
        by_dense += found[20]
        by_both += any(item.gold) or found[10]
    print(
        f"{part} n={n}: BM25 20 {by_bm25 / n:.3f}, encoder 20 {by_dense / n:.3f}, "
        f"BM25 20 + encoder 10 {by_both / n:.3f}"
    )


if __name__ == "__main__":
    main()
