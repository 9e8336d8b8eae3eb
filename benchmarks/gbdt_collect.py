"""Candidates for the gradient-boosted rerank experiment (issue 22, round 6), with more columns.

    .venv/bin/python -m benchmarks.gbdt_collect --depth 20     # then --depth 50

Every train split, the dev set and every held-out suite is searched once at the given depth
(fitting.collect, the shipped expansion weights and bridge) and written to
data/quality/gbdt/<set>-<depth>.json: the shipped features (margin dropped: it exists only after
ranking), then columns that mean the same on any document, all relative to the question's own
candidates: BM25 rank, coverage / whole words / bigrams / heading minus the best candidate's,
coverage rank, the clause's length, the share of candidates from its document, the number of
candidates, and the IDF-weighted share of the clause's content words the question holds (own
words or stand-ins). Nothing is fitted here.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import time
from pathlib import Path

import numpy as np

from benchmarks import datasets, fit_bridge
from retrieval.evaluation import fitting
from retrieval.library import Library
from retrieval.search.ranking import FEATURES

OUT = datasets.WORK / "gbdt"
BASE = tuple(f for f in FEATURES if f != "margin")
EXTRA = (
    "bm25_rank",
    "coverage_gap",
    "words_gap",
    "bigrams_gap",
    "heading_gap",
    "coverage_rank",
    "length",
    "doc_count",
    "n_candidates",
    "clause_cover",
)
COLUMNS = BASE + EXTRA
TRAIN_SETS = ("stard-train", "gen-train", "dev")
HELD_SETS = ("stard-test", "gen", "gen-all", "extra", "own", "dev-all")


def sets() -> dict[str, tuple[str, list[Path], Path]]:
    """Per set: the library's cache name, its law files, the items file."""
    stard_train, stard_test = datasets.stard_split()
    gen_train, gen_test = datasets.generated("train"), datasets.generated("test")
    work = datasets.WORK / "sets"

    def files(items: list[dict[str, object]]) -> list[Path]:
        return datasets.law_files({str(i["file"]) for i in items if i.get("file")})

    laws = datasets.law_files()
    extra = sorted((datasets.SHARED / "corpus-extra").iterdir())
    return {
        "stard-train": (
            "all",
            laws,
            datasets.write_jsonl(stard_train, work / "stard-train.jsonl"),
        ),
        "gen-train": (
            "gen-train",
            files(gen_train),
            datasets.write_jsonl(gen_train, work / "g.jsonl"),
        ),
        "dev": ("seeds", [], datasets.DEV),
        "stard-test": ("all", laws, datasets.write_jsonl(stard_test, work / "stard-test.jsonl")),
        "gen": ("gen-test", files(gen_test), datasets.write_jsonl(gen_test, work / "gen.jsonl")),
        "gen-all": ("all", laws, work / "gen.jsonl"),
        "extra": ("extra", extra, datasets.FIXTURES / "extra_qa.jsonl"),
        "own": ("seeds", [], datasets.FIXTURES / "own_qa.jsonl"),
        "dev-all": ("all", laws, datasets.DEV),
    }


class Extras:
    """The added columns of one library's items; clause words remembered."""

    def __init__(self, library: Library) -> None:
        self.library = library

    @functools.cache  # noqa: B019 (one per library, lives as long as the run)
    def clause(self, position: int) -> tuple[tuple[str, ...], int]:
        text = self.library.clauses[position].text
        words = fit_bridge.clause_words(text, self.library.tokenizer)
        return tuple(words), len(text)

    def idf(self, word: str) -> float:
        value = self.library.index.bm25.idf_of(word)
        return 0.0 if value is None else max(value, 0.0)

    def columns(self, item: fitting.Item) -> np.ndarray:
        f = item.features
        n = len(f)
        col = {name: f[:, FEATURES.index(name)] for name in BASE}
        asked = set(self.library.prepare(str(item.case["query"]))[0].weights())
        docs = [self.library.clauses[p].doc_id for p in item.positions]
        cover, length = [], []
        for p in item.positions:
            words, size = self.clause(p)
            mass = sum(self.idf(w) for w in words) or 1.0
            cover.append(sum(self.idf(w) for w in words if w in asked) / mass)
            length.append(math.log1p(size))
        out = [
            _rank(col["bm25_rel"]),
            col["coverage"] - col["coverage"].max(),
            col["words"] - col["words"].max(),
            col["bigrams"] - col["bigrams"].max(),
            col["heading"] - col["heading"].max(),
            _rank(col["coverage"]),
            np.array(length),
            np.array([docs.count(d) / n for d in docs]),
            np.full(n, float(n)),
            np.array(cover),
        ]
        return np.column_stack([f[:, [FEATURES.index(b) for b in BASE]], *out])


def _rank(values: np.ndarray) -> np.ndarray:
    """0 for the largest value, ties in candidate order."""
    order = sorted(range(len(values)), key=lambda i: (-values[i], i))
    out = np.zeros(len(values))
    out[order] = np.arange(len(values))
    return out


def load(name: str, depth: int) -> list[fitting.Item]:
    """Items written by `save`, their feature matrices COLUMNS wide."""
    rows = json.loads((OUT / f"{name}-{depth}.json").read_text(encoding="utf-8"))
    return [
        fitting.Item(
            row["case"],
            row["answerable"],
            row["fixed_rank"],
            row["routed"],
            np.array(row["features"], dtype=np.float64).reshape(-1, len(COLUMNS)),
            list(row["gold"]),
            list(row["texts"]),
        )
        for row in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--sets", default=",".join((*TRAIN_SETS, *HELD_SETS)))
    args = parser.parse_args()
    fitting.CANDIDATES = args.depth
    libraries: dict[str, Library] = {}
    wanted = args.sets.split(",")
    for name, (cache_name, laws, path) in sets().items():
        if name not in wanted:
            continue
        started = time.process_time()
        if cache_name not in libraries:
            libraries[cache_name] = datasets.library(cache_name, laws)
        library = libraries[cache_name]
        items = fitting.collect(library, path)
        extras = Extras(library)
        for item in items:
            if len(item.features):
                item.features = extras.columns(item)
            else:
                item.features = np.zeros((0, len(COLUMNS)))
        fitting.save_items(items, OUT / f"{name}-{args.depth}.json")
        took = time.process_time() - started
        print(f"{name}: {len(items)} items ({took:.0f} s CPU)", flush=True)


if __name__ == "__main__":
    main()
