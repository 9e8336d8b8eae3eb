"""Answer quality on documents nobody tuned for (issue 22): every figure, per style.

    .venv/bin/python -m benchmarks.quality                    # all suites (~3 min with caches)
    .venv/bin/python -m benchmarks.quality --suites stard,gen # some of them

Suites: dev (5-fold CV on the dev set, bundled library), stard (STARD test split, all of
../shared/laws plus the seeds as library, beside a plain rank-bm25 over jieba tokens of the same
clauses), gen (generated test split, library = seeds + the test documents), gen-all (the same
questions with all laws loaded), extra (corpus-extra regulation), own (our own questions),
dev-bundled (the dev set judged by the shipped models, bundled library), dev-all (the same with
all laws loaded beside the bundled documents). The shipped models in
config/data/ranking.json judge every suite except dev, which is cross-validated.
"""

from __future__ import annotations

import argparse
import re
import time
import zlib

import jieba
import numpy as np

from benchmarks import datasets
from retrieval.evaluation import fitting
from retrieval.library import Library
from retrieval.search.bm25 import SparseBM25
from retrieval.search.ranking import Models
from retrieval.words.normalize import fold_layout

HELD_OUT = datasets.WORK / "held_out"
JUDGED = datasets.FIXTURES / "judged_answers.jsonl"
SUITES = ("dev", "stard", "gen", "gen-all", "extra", "own", "dev-bundled", "dev-all")
_WORD = re.compile(r"\w")


def judged(library: Library, items: list[dict[str, object]], name: str) -> list[str]:
    """The shipped models' figures on a list of items, per style."""
    path = datasets.write_jsonl(items, datasets.WORK / "sets" / f"{name}.jsonl")
    collected = fitting.collect(library, path)
    # Kept so a change of the models alone can be judged without searching again
    # (benchmarks/abstain.py); candidates and features do not depend on the models.
    fitting.save_items(collected, HELD_OUT / f"{name}.json")
    outcomes = [fitting.judge(item, library.models) for item in collected]
    lines = fitting.table(outcomes)
    return [*lines, reader_judged(outcomes, library.models)] if name.startswith("dev-") else lines


def reader_judged(outcomes: list[fitting.Outcome], models: Models) -> str:
    """R@1 and out-of-scope figures when a first clause a reader judged to answer counts.

    The verdicts (tests/fixtures/judged_answers.jsonl) were given blind to which library or
    which snippet was expected; a first clause judged "yes" answers, "partial" does not.
    """
    answers = {
        (str(row["query"]), str(row["key"]))
        for row in datasets.read_jsonl(JUDGED)
        if row["verdict"] == "yes"
    }
    questions = [o for o in outcomes if o.item.answerable]
    oos = [o for o in outcomes if not o.item.answerable]

    def first_answers(outcome: fitting.Outcome) -> bool:
        item = outcome.item
        if outcome.abstained or item.routed or not len(item.features):
            return False
        order, _ = fitting.ranked(item, np.array(models.rank))
        key = f"{zlib.crc32(item.texts[order[0]].encode()):08x}"
        return (str(item.case["query"]), key) in answers

    at1 = sum(o.rank == 1 or first_answers(o) for o in questions) / max(1, len(questions))
    right = sum(o.abstained or first_answers(o) for o in oos) / max(1, len(oos))
    return f"reader-judged    R@1={at1:.3f}  out-of-scope abstained or answered={right:.3f}"


def plain_bm25(library: Library, items: list[dict[str, object]]) -> str:
    """R@1/R@3 of rank-bm25's BM25Okapi over jieba's precise tokens of the library's clauses.

    SparseBM25 is rank-bm25's arithmetic to the last bit (tests/unit/test_bm25.py), only faster.
    """
    texts = [fold_layout(c.text) for c in library.clauses]
    index = SparseBM25.build([_jieba_tokens(c.text) for c in library.clauses])
    at1 = at3 = n = 0
    for item in items:
        if item.get("expect") != "answer":
            continue
        snippets = [fold_layout(s) for g in item["gold"] for s in g.get("snippets", [])]  # type: ignore[attr-defined]
        seen: list[str] = []
        rank = None
        for position, _ in index.top(_jieba_tokens(str(item["query"])), 20):
            if texts[position] in seen:
                continue
            seen.append(texts[position])
            if any(s in texts[position] for s in snippets):
                rank = len(seen)
                break
            if len(seen) == 3:
                break
        n += 1
        at1 += rank == 1
        at3 += rank is not None
    return f"rank-bm25 (jieba precise)  n={n:3d}  R@1={at1 / n:.3f}  R@3={at3 / n:.3f}"


def _jieba_tokens(text: str) -> list[str]:
    return [t for t in jieba.lcut(text) if _WORD.search(t)]


def suite(name: str) -> list[str]:
    """The report lines of one suite."""
    if name == "dev":
        library = datasets.library("seeds", [])
        collected = fitting.collect(library, datasets.DEV)
        fitting.save_items(collected, HELD_OUT / "dev.json")
        # Each fold's models are fitted on the other folds plus the train splits, as shipped.
        train = datasets.WORK / "train_items.json"
        extra = fitting.load_items(train) if train.is_file() else []
        expansion = library.models.expansion
        outcomes = fitting.cross_validate(collected, 5, extra=extra, expansion=expansion)
        return [f"(with {len(extra)} train-split items in every fold)", *fitting.table(outcomes)]
    if name == "stard":
        _, test = datasets.stard_split()
        library = datasets.library("all", datasets.law_files())
        return [*judged(library, test, "stard-test"), plain_bm25(library, test)]
    if name in ("gen", "gen-all"):
        test = datasets.generated("test")
        if not test:
            return ["(no generated test split yet)"]
        files = {str(i["file"]) for i in test if i.get("file")}
        laws = datasets.law_files(files if name == "gen" else None)
        library = datasets.library("gen-test" if name == "gen" else "all", laws)
        return [*judged(library, test, name), plain_bm25(library, test)]
    if name == "extra":
        extra = datasets.SHARED / "corpus-extra"
        library = datasets.library("extra", sorted(extra.iterdir()))
        return judged(library, datasets.read_jsonl(datasets.FIXTURES / "extra_qa.jsonl"), name)
    if name == "own":
        library = datasets.library("seeds", [])
        return judged(library, datasets.read_jsonl(datasets.FIXTURES / "own_qa.jsonl"), name)
    if name == "dev-bundled":
        # The shipped models on the bundled library: what dev-all is compared with.
        library = datasets.library("seeds", [])
        return judged(library, datasets.read_jsonl(datasets.DEV), name)
    if name == "dev-all":
        library = datasets.library("all", datasets.law_files())
        return judged(library, datasets.read_jsonl(datasets.DEV), name)
    raise ValueError(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default=",".join(SUITES))
    args = parser.parse_args()
    for name in args.suites.split(","):
        started = time.perf_counter()
        lines = suite(name)
        print(f"== {name} ({time.perf_counter() - started:.0f} s)")
        for line in lines:
            print(line)


if __name__ == "__main__":
    main()
