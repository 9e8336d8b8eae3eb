"""Issue 23: the whole document's BM25 as one more rerank column (measured, not kept).

    .venv/bin/python -m benchmarks.doc_prior      # ~6 min with the libraries cached

Each document of the library is indexed as one text (its clauses' tokens together); a
candidate's column is its document's BM25 for the question over the best document's. The
rerank is refitted with and without the column on round 4's fitting parts (generated train in
its own library and, another half, with all laws; STARD train with all laws) and judged on the
validation parts and the dev set (shipped abstain rule). Prints R@1 / R@3 / false-abstain /
out-of-scope abstain.
"""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np

from benchmarks import datasets, round4
from retrieval.evaluation import fitting
from retrieval.library import Library
from retrieval.search.bm25 import SparseBM25
from retrieval.search.index import index_text
from retrieval.search.ranking import FEATURES, Models

Items = list[fitting.Item]


@functools.cache
def document_index(library: Library) -> tuple[SparseBM25, dict[str, int]]:
    """A BM25 index with one entry per document: the tokens of all its clauses."""
    library.tokenizer.accelerate()
    numbers = {d: i for i, d in enumerate(sorted({c.doc_id for c in library.clauses}))}
    counts: list[Counter[str]] = [Counter() for _ in numbers]
    for clause in library.clauses:
        counts[numbers[clause.doc_id]].update(library.tokenizer.tokens(index_text(clause)))
    index = SparseBM25.from_counts(
        (tuple(c), tuple(min(v, 65535) for v in c.values()), sum(c.values())) for c in counts
    )
    return index, numbers


def with_column(library: Library, cases: list[dict[str, object]], name: str) -> Items:
    """The cases searched, each candidate with its document's relative BM25 appended."""
    index, numbers = document_index(library)
    items = fitting.collect(library, datasets.write_jsonl(cases, datasets.WORK / "sets" / name))
    for item in items:
        if item.routed or not len(item.features):
            item.features = np.zeros((0, len(FEATURES) + 1))
            continue
        query, _ = library.prepare(str(item.case["query"]))
        scores = dict(index.top_weighted(query.terms, 300, query.groups))
        best = max(scores.values(), default=1.0)
        column = [
            scores.get(numbers[library.clauses[p].doc_id], 0.0) / best for p in item.positions
        ]
        item.features = np.hstack([item.features, np.array(column)[:, None]])
    return items


def figures(items: Items, rank: np.ndarray, columns: list[int], rule: Models) -> str:
    """R@1 / R@3 / false-abstain / out-of-scope abstain under a rerank over some columns."""
    n = at1 = at3 = missed = n_oos = abstained = 0
    for item in items:
        rank_at, abstain = item.fixed_rank, False
        if not item.routed:
            abstain = True
            if len(item.features):
                view = fitting.Item(item.case, item.answerable, features=item.features[:, columns])
                view.gold, view.texts = item.gold, item.texts
                order, top = fitting.ranked(view, rank)
                abstain = not rule.answers(top[: len(FEATURES)].tolist())
                rank_at = None if abstain else fitting.first_gold(view, order)
        if item.answerable:
            n += 1
            at1 += rank_at == 1
            at3 += rank_at is not None
            missed += abstain
        else:
            n_oos += 1
            abstained += abstain
    oos = f" / {abstained / n_oos:.3f}" if n_oos else ""
    return f"{at1 / n:.3f} / {at3 / n:.3f} / {missed / n:.3f}{oos}"


def main() -> None:
    split = round4.parts()
    (gen_fit, gen_val), (stard_fit, stard_val) = split["gen"], split["stard"]
    files = {str(i["file"]) for i in gen_fit + gen_val if i.get("file")}
    own = datasets.library("gen-train", datasets.law_files(files))
    laws = datasets.library("all", datasets.law_files())
    dev = datasets.read_jsonl(datasets.DEV)
    fit = [
        *with_column(own, gen_fit[::2], "prior-gen-fit-own.jsonl"),
        *with_column(laws, gen_fit[1::2], "prior-gen-fit-all.jsonl"),
        *with_column(laws, stard_fit[::2], "prior-stard-fit.jsonl"),
    ]
    shown = {
        "generated val, own library": with_column(own, gen_val, "prior-gen-val-own.jsonl"),
        "generated val, all laws": with_column(laws, gen_val, "prior-gen-val-all.jsonl"),
        "STARD val, all laws": with_column(laws, stard_val, "prior-stard-val.jsonl"),
        "dev, bundled": with_column(datasets.library("seeds", []), dev, "prior-dev.jsonl"),
        "dev, all laws": with_column(laws, dev, "prior-dev-all.jsonl"),
    }
    shipped = laws.models
    rule = Models(shipped.rank, shipped.min_coverage, shipped.min_words)
    base = list(range(len(FEATURES)))
    for label, columns in (("refit", base), ("refit + document", [*base, len(FEATURES)])):
        usable = [i for i in fit if not i.routed and len(i.features)]
        views = []
        for item in usable:
            view = fitting.Item(item.case, item.answerable, features=item.features[:, columns])
            view.gold, view.texts = item.gold, item.texts
            views.append(view)
        rank = fitting.fit_rank(views)
        print(f"== {label}")
        for name, items in shown.items():
            print(f"{name:<28} {figures(items, rank, columns, rule)}")


if __name__ == "__main__":
    main()
