"""Round 8 of issue 22: round 7's dual encoder as a second candidate source, judged on the
train splits only (round 4's parts, bridge and refits; round 7's tables and cross-fitting).

    .venv/bin/python -m benchmarks.round7 --hard --finetune 300 --no-pretrain-row  # tables
    .venv/bin/python -m benchmarks.round8 --k 5 10          # settings, validation only
    .venv/bin/python -m benchmarks.round8 --test --k K [--cosine]   # the chosen one, once
    .venv/bin/python -m benchmarks.round8 --k 10 --small 1500   # the 2^16 float16 table
    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m benchmarks.round8 --timing   # per-question cost

A question's candidates: BM25's 20 plus the encoder's K nearest clauses of the library that
are not among them, every one with the shipped rerank features (Index.candidates' `also`),
optionally with the encoder's cosine as one more column. A fitting question's nearest
clauses (and column) come from the table fine-tuned without its third of the fitting
questions; validation and dev use the table fine-tuned on all of them. Caches go in
data/quality/round8.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import time
from collections.abc import Callable, Sequence

import numpy as np

from benchmarks import datasets, dense, round4, round7
from retrieval.evaluation import fitting
from retrieval.library import Library
from retrieval.search.index import index_text

WORK = datasets.WORK / "round8"
TABLES = "tune-d64-300-0.5-hard"
SMALL = 1 << 16


def clause_bags(library: Library, name: str) -> list[dense.Ints]:
    """Every clause's feature bag (heading and text, as indexed), cached per library."""
    return round7.cached(  # type: ignore[no-any-return]
        WORK / f"bags-{name}.pkl",
        lambda: [dense.features(index_text(c), library.tokenizer) for c in library.clauses],
    )


def filled(library: Library, bags: list[dense.Ints]) -> round7.Bags:
    """round7's on-demand bags, already made for every clause."""
    out = round7.Bags(library)
    out.made = dict(enumerate(bags))
    return out


class Nearest:
    """The encoder's k nearest clauses of one library for a question (one table)."""

    def __init__(self, library: Library, table: dense.Floats, bags: Sequence[dense.Ints]):
        self.tokenizer = library.tokenizer
        self.table = table
        self.vectors = dense.encode(table, bags)

    def __call__(self, query: str, k: int) -> list[int]:
        q = dense.encode(self.table, [dense.features(query, self.tokenizer)])[0]
        if not q.any() or k <= 0:
            return []
        scores = self.vectors @ q
        top = np.argpartition(-scores, k)[:k]
        return [int(p) for p in top[np.argsort(-scores[top], kind="stable")]]


def source(
    whole: Nearest, crossed: Sequence[Nearest] | None, k: int
) -> Callable[[str], list[int]]:
    """query → its k nearest clauses; per fold from the crossed tables when given."""
    if crossed is None:
        return lambda query: whole(query, k)
    return lambda query: crossed[round7.fold(query)](query, k)


def tables() -> tuple[dense.Floats, list[dense.Floats]]:
    """Round 7's table fine-tuned on all fitting questions, and the three cross-fitted ones."""
    load = lambda name: pickle.loads((round7.WORK / f"{TABLES}-{name}.pkl").read_bytes())  # noqa: E731
    return load("all"), [load(str(k)) for k in range(round7.FOLDS)]


def small_tables(
    libs: dict[str, Library], pretrain_steps: int
) -> tuple[dense.Floats, list[dense.Floats]]:
    """Round 7's recipe at SMALL buckets (the size a <= 10 MB float16 file allows), returned
    as float16 values tiled to round 7's 2^18 rows: a 2^18 feature's row is its row mod 2^16,
    so every bag made for 2^18 encodes as the small table would (a collision counts twice,
    in training too)."""
    setting = dense.Setting()
    ict = [(q % SMALL, c % SMALL) for q, c in pickle.loads((round7.WORK / "ict.pkl").read_bytes())]
    pre = round7.cached(
        WORK / f"pretrain-b16-{pretrain_steps}.pkl",
        lambda: dense.train([(ict, 1.0)], pretrain_steps, setting, buckets=SMALL, log="pretrain"),
    )
    split = round4.parts()
    collected = pickle.loads((round7.WORK / "items.pkl").read_bytes())
    bags = {name: round7.Bags(libs[name]) for name in ("stard", "gen")}
    asked = [
        (item, q % SMALL, c % SMALL)
        for item, q, c in round7.question_pairs(
            libs["stard"], split["stard"][0] + split["gen"][0], bags["stard"]
        )
    ]
    lists = [
        (query, q % SMALL, [c % SMALL for c in cands], gold)
        for query, q, cands, gold in round7.candidate_lists(
            [(collected["stard-fit"], bags["stard"]), (collected["gen-fit"], bags["gen"])]
        )
    ]

    def tune(k: int | None) -> dense.Floats:
        return round7.tuned(pre, ict, asked, lists, 300, 0.5, setting, k)  # type: ignore[arg-type]

    stem = f"tune-b16-{pretrain_steps}-300"
    made = [round7.cached(WORK / f"{stem}-{k}.pkl", lambda k=k: tune(k)) for k in (None, 0, 1, 2)]
    tiled = [
        np.tile(t.astype(np.float16).astype(np.float32), (dense.BUCKETS // SMALL, 1)) for t in made
    ]
    return tiled[0], tiled[1:]


def gold_in(items: list[fitting.Item]) -> float:
    """Gold among the candidates, over searched questions."""
    searched = [i for i in items if i.answerable and not i.routed]
    return sum(any(i.gold) for i in searched) / max(1, len(searched))


CHECKS = ("gen-check", "gen-check-all", "stard-check")
Ranked = dict[str, list[fitting.Outcome]]


def report(
    name: str,
    items: dict[str, list[fitting.Item]],
    expansion: object,
    base: Ranked | None = None,
) -> Ranked:
    """Fit on the fitting parts; print the validation parts and dev CV (as round 7 does),
    and beside the baseline's ranked outcomes (`base`) where the changes come from. Returns
    the ranked outcomes of the validation parts."""
    fit_items = items["stard-fit"] + items["gen-fit"]
    models = fitting.fit_all(fit_items, expansion)  # type: ignore[arg-type]
    ranking_only = dataclasses.replace(models, min_coverage=0.0, min_words=0)
    shipped_rule = dataclasses.replace(models, min_coverage=0.1, min_words=2)
    weights = " ".join(f"{w:.2f}" for w in models.rank)
    print(f"== {name}  rule {models.min_coverage}/{models.min_words}  weights {weights}")
    out: Ranked = {}
    for part in CHECKS:
        check = items[part]
        ranked = out[part] = [fitting.judge(i, ranking_only) for i in check]
        print(f"   {part:14} refit  {round4.figures([fitting.judge(i, models) for i in check])}")
        print(f"   {'':14} ranked {round4.figures(ranked)}")
        print(
            f"   {'':14} rule2  {round4.figures([fitting.judge(i, shipped_rule) for i in check])}"
        )
        print(f"   {'':14} gold among candidates {gold_in(check):.3f}")
        if base is not None:
            print(f"   {'':14} {breakdown(base[part], ranked)}")
    dev = items["dev"]
    alone = fitting.cross_validate(dev, 5, expansion=expansion)  # type: ignore[arg-type]
    print(f"   dev-cv         {round4.figures(alone)}")
    pooled = fitting.cross_validate(dev, 5, extra=fit_items, expansion=expansion)  # type: ignore[arg-type]
    print(f"   dev-cv+fit     {round4.figures(pooled)}", flush=True)
    return out


def breakdown(before: list[fitting.Outcome], after: list[fitting.Outcome]) -> str:
    """Ranked, the same questions before and after: those whose gold only the added
    candidates hold, and those whose gold BM25's 20 already held (first at R@1 before)."""
    added = same = lost = won = 0
    added_first = added_three = 0
    for b, a in zip(before, after, strict=True):
        if not b.item.answerable or b.item.routed:
            continue
        if any(b.item.gold):
            same += 1
            lost += b.rank == 1 and a.rank != 1
            won += b.rank != 1 and a.rank == 1
        elif any(a.item.gold):
            added += 1
            added_first += a.rank == 1
            added_three += a.rank is not None and a.rank <= 3
    return (
        f"gold only among the added: {added}, ranked 1st {added_first}, in 3 {added_three};"
        f" gold among BM25's {same}: R@1 won {won}, lost {lost}"
    )


def validation(ks: Sequence[int], small: int) -> None:
    """Baseline, and BM25 + the encoder's k nearest for each k, with and without the column."""
    split = round4.parts()
    libs = round4.libraries(split)
    sets = datasets.WORK / "sets"
    files = {
        "stard-fit": ("stard", sets / "round4-stard-fit.jsonl"),
        "stard-check": ("stard", sets / "round4-stard-check.jsonl"),
        "gen-fit": ("gen", sets / "round4-gen-fit.jsonl"),
        "gen-check": ("gen", sets / "round4-gen-check.jsonl"),
        "gen-check-all": ("stard", sets / "round4-gen-check.jsonl"),
        "dev": ("dev", datasets.DEV),
    }
    for part in ("stard", "gen"):
        datasets.write_jsonl(split[part][0], sets / f"round4-{part}-fit.jsonl")
        datasets.write_jsonl(split[part][1], sets / f"round4-{part}-check.jsonl")
    bags = {name: clause_bags(lib, name) for name, lib in libs.items()}
    whole_t, crossed_t = small_tables(libs, small) if small else tables()
    tag = f"-b16-{small}" if small else ""
    whole = {name: Nearest(lib, whole_t, bags[name]) for name, lib in libs.items()}
    crossed = {
        name: [Nearest(libs[name], t, bags[name]) for t in crossed_t] for name in ("stard", "gen")
    }
    print("encoded", {name: len(b) for name, b in bags.items()}, flush=True)
    expansion = libs["dev"].models.expansion
    on_demand = {name: filled(libs[name], b) for name, b in bags.items()}
    base: Ranked | None = None  # the baseline's ranked outcomes (no column)
    for k in (*([] if small else [0]), *ks):

        def collect(k: int = k) -> dict[str, list[fitting.Item]]:
            out = {}
            for part, (lib, path) in files.items():
                also = None
                if k:
                    cross = crossed[lib] if part.endswith("-fit") else None
                    also = source(whole[lib], cross, k)
                out[part] = fitting.collect(libs[lib], path, also)
            return out

        items = round7.cached(WORK / f"items{tag}-k{k}.pkl", collect)
        label = "BM25 20 (baseline)" if k == 0 else f"BM25 20 + encoder {k}"
        label += ", 2^16 float16 table" if small else ""
        ranked = report(label, items, expansion, base)
        base = ranked if k == 0 else base
        with_cos = {
            part: round7.with_column(
                got,
                on_demand[files[part][0]],
                crossed_t if part.endswith("-fit") else [whole_t],
                relative=False,
            )
            for part, got in items.items()
        }
        report(f"{label}, + cosine column", with_cos, expansion, base)


# The test mode's libraries by their cache names (one library serves several suites).
TEST_LIBRARIES = {
    "stard-train": "all",
    "gen-train": "gen-train",
    "dev": "seeds",
    "stard": "all",
    "gen": "gen-test",
    "gen-all": "all",
    "extra": "extra",
    "own": "seeds",
    "dev-all": "all",
}


def test(k: int, cosine: bool) -> None:
    """The chosen setting, once, on the test splits, beside the same harness's baseline:
    round 7's test tables (fine-tuned on all train questions, cross-fitted for the train
    items), rerank and rule fitted on the train splits plus dev (dev itself in 5-fold CV)."""
    libs, base, _, whole_t, crossed_t = round7.test_tables(300, 0.5, dense.Setting())
    names = sorted(set(TEST_LIBRARIES.values()))
    by_name = {TEST_LIBRARIES[s]: libs[s] for s in TEST_LIBRARIES}
    bags = {n: clause_bags(by_name[n], f"test-{n}") for n in names}
    whole = {n: Nearest(by_name[n], whole_t, bags[n]) for n in names}
    crossed = {
        n: [Nearest(by_name[n], t, bags[n]) for t in crossed_t] for n in ("all", "gen-train")
    }

    def collect() -> dict[str, list[fitting.Item]]:
        out = {}
        for suite, name in TEST_LIBRARIES.items():
            cross = crossed[name] if suite.endswith("-train") else None
            path = datasets.WORK / "sets" / f"round7-{suite}.jsonl"
            out[suite] = fitting.collect(libs[suite], path, source(whole[name], cross, k))
        return out

    union = round7.cached(WORK / f"test-items-k{k}.pkl", collect)
    if cosine:
        on_demand = {n: filled(by_name[n], b) for n, b in bags.items()}
        union = {
            suite: round7.with_column(
                got,
                on_demand[TEST_LIBRARIES[suite]],
                crossed_t if suite.endswith("-train") else [whole_t],
                relative=False,
            )
            for suite, got in union.items()
        }
    expansion = libs["dev"].models.expansion
    label = f"BM25 20 + encoder {k}{', + cosine column' if cosine else ''}"
    for name, items in (("BM25 20 (baseline)", base), (label, union)):
        train = items["stard-train"] + items["gen-train"]
        models = fitting.fit_all(train + items["dev"], expansion)
        shipped_rule = dataclasses.replace(models, min_coverage=0.1, min_words=2)
        ranking_only = dataclasses.replace(models, min_coverage=0.0, min_words=0)
        print(f"== {name}: rule {models.min_coverage}/{models.min_words}")
        for suite in ("stard", "gen", "gen-all", "extra", "own", "dev-all"):
            got = items[suite]
            for rule_name, rule in (
                ("refitted rule", models),
                ("shipped rule ", shipped_rule),
                ("ranked       ", ranking_only),
            ):
                outcomes = [fitting.judge(i, rule) for i in got]
                print(f"   {suite:8} {rule_name} {round4.figures(outcomes)}")
            print(f"   {suite:8} gold among candidates {gold_in(got):.3f}")
        for rule_label, rule in (("refitted rule", None), ("shipped rule", (0.1, 2))):
            outcomes = round7.cross_validate_rule(items["dev"], train, expansion, rule)
            print(f"   dev-cv+train {rule_label}  {round4.figures(outcomes)}")
        alone = fitting.cross_validate(items["dev"], 5, expansion=expansion)
        print(f"   dev-cv alone  {round4.figures(alone)}", flush=True)


def timing(repeats: int = 200) -> None:
    """Per-question cost of the encoder as a candidate source over the all-laws library:
    the question's features, its vector, and the nearest clauses by one matrix product."""
    library = datasets.library("all", datasets.law_files())
    bags = clause_bags(library, "stard")
    table, _ = tables()
    small = table[: 1 << 16].astype(np.float16)  # the shape a <= 10 MB model file would have
    questions = [str(i["query"]) for i in datasets.read_jsonl(datasets.DEV)][:repeats]
    print(f"clauses {len(bags)}; table 2^18 x 64 float32 {table.nbytes / 1e6:.1f} MB,")
    print(f"   2^16 x 64 float16 {small.nbytes / 1e6:.1f} MB", flush=True)
    for label, vectors in (
        ("float32", dense.encode(table, bags)),
        ("float16", dense.encode(table, bags).astype(np.float16)),
    ):
        print(f"   clause vectors {label}: {vectors.nbytes / 1e6:.1f} MB")
        spent = {"features": 0.0, "encode": 0.0, "nearest": 0.0}
        for query in questions:
            t0 = time.perf_counter()
            bag = dense.features(query, library.tokenizer)
            t1 = time.perf_counter()
            q = dense.encode(table, [bag])[0].astype(vectors.dtype)
            t2 = time.perf_counter()
            scores = vectors @ q
            top = np.argpartition(-scores, 10)[:10]
            top[np.argsort(-scores[top])]
            t3 = time.perf_counter()
            spent["features"] += t1 - t0
            spent["encode"] += t2 - t1
            spent["nearest"] += t3 - t2
        per = {key: value / len(questions) * 1e3 for key, value in spent.items()}
        print(
            f"   per question ({len(questions)}), ms: features {per['features']:.2f},"
            f" vector {per['encode']:.3f}, nearest 10 of {len(vectors)} {per['nearest']:.2f},"
            f" total {sum(per.values()):.2f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--timing", action="store_true", help="the per-question cost only")
    parser.add_argument(
        "--small", type=int, default=0, help="N: the 2^16-bucket table, pretrained N steps"
    )
    parser.add_argument("--cosine", action="store_true", help="with --test: the column too")
    parser.add_argument("--test", action="store_true", help="the chosen k on the test splits")
    args = parser.parse_args()
    if args.test:
        test(args.k[0], args.cosine)
        return
    if args.timing:
        timing()
        return
    validation(args.k, args.small)


if __name__ == "__main__":
    main()
