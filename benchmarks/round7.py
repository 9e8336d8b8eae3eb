"""Round 7 of issue 22: a dual encoder learned here as one more rerank column, judged on the
train splits only (the parts, bridge and refits of benchmarks/round4.py; cross-fitting as in
benchmarks/round5.py).

    .venv/bin/python -m benchmarks.round7 --hard --finetune 300 600   # settings, train only
    .venv/bin/python -m benchmarks.round7 --test --finetune N         # the chosen one, once

Caches (items, feature bags, tables) go in data/quality/round7.

The encoder (benchmarks/dense.py) is first trained on inverse-cloze pairs of the all-laws
library's clauses (a sentence → the rest of its clause; a one-sentence clause: its document
title and headings → its text), which uses no question; then fine-tuned with the fitting
parts' (question, gold clause) pairs mixed in. A fitting question's column comes from a
table fine-tuned without its third of the fitting questions (CRC of the query), else the
rerank learns to trust a column that memorised its gold clause; validation and dev use the
table fine-tuned on all fitting questions. Column: the cosine of the question's and the
candidate's vectors (or that minus the best candidate's). Printed per setting: the
validation parts with and without the abstain rule, dev 5-fold CV alone and with the
fitting part, and the dense score's own recall among the 20 candidates and over the library.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import re
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks import datasets, dense, fit_bridge, round4
from retrieval.evaluation import fitting
from retrieval.library import Library
from retrieval.search.index import index_text
from retrieval.words.normalize import fold_layout

FOLDS = 3
WORK = datasets.WORK / "round7"
PRETRAIN_STEPS = 1500
_SENTENCES = re.compile(r"[^。；！？\n]+[。；！？\n]*")
Items = list[dict[str, object]]


def fold(query: object) -> int:
    """The cross-fitting fold of a fitting-part question."""
    return zlib.crc32(str(query).encode()) % FOLDS


def cached(path: Path, make):  # type: ignore[no-untyped-def]
    """The pickled value at path, made (and pickled) the first time."""
    if path.is_file():
        return pickle.loads(path.read_bytes())
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(value, protocol=5))
    return value


def gold_positions(library: Library, items: Items) -> list[tuple[dict[str, object], list[int]]]:
    """(item, its gold clauses' positions): benchmarks/fit_bridge.gold_positions."""
    return fit_bridge.gold_positions(library, items)


class Bags:
    """Feature bags of a library's clauses (heading and text, as indexed), made on demand."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.made: dict[int, dense.Ints] = {}

    def clause(self, position: int) -> dense.Ints:
        bag = self.made.get(position)
        if bag is None:
            clause = self.library.clauses[position]
            bag = self.made[position] = dense.features(index_text(clause), self.library.tokenizer)
        return bag


def inverse_cloze(library: Library, seed: int = 7) -> list[tuple[dense.Ints, dense.Ints]]:
    """Pseudo-pairs from every clause: a sentence → the rest (with the heading); a clause of
    one sentence: its document title and headings → its text."""
    rng = np.random.default_rng(seed)
    tokenizer, titles = library.tokenizer, library.index.titles
    out = []
    for clause in library.clauses:
        pieces = [s for s in _SENTENCES.findall(clause.text) if len(s) >= 8]
        if len(pieces) >= 2:
            k = int(rng.integers(len(pieces)))
            asked = pieces[k]
            said = "".join((clause.heading or "", *pieces[:k], *pieces[k + 1 :]))
        else:
            asked = " ".join(
                (titles.get(clause.doc_id, ""), *clause.breadcrumb, clause.heading or "")
            )
            said = clause.text
        q, c = dense.features(asked, tokenizer), dense.features(said, tokenizer)
        if len(q) and len(c):
            out.append((q, c))
    return out


def question_pairs(
    library: Library, items: Items, bags: Bags
) -> list[tuple[dict[str, object], dense.Ints, dense.Ints]]:
    """(item, question bag, gold clause bag), at most two gold clauses per question."""
    out = []
    for item, positions in gold_positions(library, items):
        q = dense.features(str(item["query"]), library.tokenizer)
        for p in positions[:2]:
            if len(q) and len(bags.clause(p)):
                out.append((item, q, bags.clause(p)))
    return out


def column(item: fitting.Item, bags: Bags, table: dense.Floats, relative: bool) -> np.ndarray:
    """The cosine of the question's vector with each candidate's (minus the best's)."""
    if item.routed or not item.positions:
        return np.zeros(len(item.features))
    q = dense.encode(table, [dense.features(str(item.case["query"]), bags.library.tokenizer)])[0]
    c = dense.encode(table, [bags.clause(p) for p in item.positions])
    cos = c @ q
    return cos - cos.max() if relative else cos


def with_column(
    items: list[fitting.Item],
    bags: Bags,
    tables: Sequence[dense.Floats] | None,
    relative: bool,
) -> list[fitting.Item]:
    """Items with the column appended (zeros without tables): one table for all, or per
    fold the table fine-tuned without that fold's questions."""
    out = []
    for item in items:
        if tables is None or not len(item.features):
            extra = np.zeros((len(item.features), 1))
        else:
            table = tables[0] if len(tables) == 1 else tables[fold(item.case["query"])]
            extra = column(item, bags, table, relative)[:, None]
        out.append(dataclasses.replace(item, features=np.hstack([item.features, extra])))
    return out


def dense_recall(
    items: list[fitting.Item], bags: Bags, table: dense.Floats, everything: dense.Floats | None
) -> str:
    """The dense score alone: gold first among the 20 candidates; gold in the dense top 20
    over the whole library (when its clause vectors are given)."""
    searched = [i for i in items if i.answerable and not i.routed and any(i.gold)]
    first = 0
    for item in searched:
        cos = column(item, bags, table, relative=False)
        first += bool(item.gold[int(np.argmax(cos))])
    text = f"dense R@1 among candidates {first / max(1, len(searched)):.3f}"
    if everything is not None:
        wanted = [i for i in items if i.answerable and not i.routed]
        hit = 0
        for item in wanted:
            q = dense.encode(
                table, [dense.features(str(item.case["query"]), bags.library.tokenizer)]
            )
            top = np.argpartition(-(everything @ q[0]), 20)[:20]
            snippets = [fold_layout(s) for g in item.case["gold"] for s in g.get("snippets", [])]  # type: ignore[attr-defined]
            hit += any(
                any(s in fold_layout(bags.library.clauses[p].text) for s in snippets) for p in top
            )
        text += f"; gold in dense top 20 of the library {hit / max(1, len(wanted)):.3f}"
    return text


def candidate_lists(
    parts: Sequence[tuple[list[fitting.Item], Bags]],
) -> list[tuple[object, dense.Ints, list[dense.Ints], list[bool]]]:
    """The questions' own candidates (hard negatives): (query, its bag, candidate bags, gold)."""
    out = []
    for items, bags in parts:
        for item in items:
            if item.routed or not item.positions or not any(item.gold):
                continue
            q = dense.features(str(item.case["query"]), bags.library.tokenizer)
            if len(q):
                cands = [bags.clause(p) for p in item.positions]
                out.append((item.case["query"], q, cands, item.gold))
    return out


def tuned(
    pre: dense.Floats,
    ict: list[tuple[dense.Ints, dense.Ints]],
    asked: list[tuple[dict[str, object], dense.Ints, dense.Ints]],
    lists: list[tuple[object, dense.Ints, list[dense.Ints], list[bool]]],
    steps: int,
    share: float,
    setting: dense.Setting,
    k: int | None,
) -> dense.Floats:
    """The pretrained table fine-tuned with the questions (all, or all but fold k): in-batch
    pairs mixed with inverse-cloze ones, and every other step their own candidates."""
    pairs = [(q, c) for item, q, c in asked if k is None or fold(item["query"]) != k]
    own = [(q, c, g) for query, q, c, g in lists if k is None or fold(query) != k]
    pools = [(ict, 1.0 - share), (pairs, share)]
    return dense.train(pools, steps, setting, table=pre, log=f"tune{steps}/{k}", lists=own)


def test_report(steps: int, share: float, setting: dense.Setting) -> None:
    """The chosen setting, once, on the test splits (as benchmarks/quality.py builds them),
    beside the same harness without the column. Fitted on all train splits plus dev (dev
    itself in 5-fold CV); the train items' column cross-fitted."""
    work = WORK / "test"
    stard_train, stard_test = datasets.stard_split()
    gen_train, gen_test = datasets.generated("train"), datasets.generated("test")
    test_files = {str(i["file"]) for i in gen_test if i.get("file")}
    everything = datasets.library("all", datasets.law_files())
    libs = {
        "stard-train": everything,
        "gen-train": datasets.library(
            "gen-train", datasets.law_files({str(i["file"]) for i in gen_train if i.get("file")})
        ),
        "dev": datasets.library("seeds", []),
        "stard": everything,
        "gen": datasets.library("gen-test", datasets.law_files(test_files)),
        "gen-all": everything,
        "extra": datasets.library("extra", sorted((datasets.SHARED / "corpus-extra").iterdir())),
        "own": datasets.library("seeds", []),
        "dev-all": everything,
    }
    sets = {
        "stard-train": stard_train,
        "gen-train": gen_train,
        "dev": datasets.read_jsonl(datasets.DEV),
        "stard": stard_test,
        "gen": gen_test,
        "gen-all": gen_test,
        "extra": datasets.read_jsonl(datasets.FIXTURES / "extra_qa.jsonl"),
        "own": datasets.read_jsonl(datasets.FIXTURES / "own_qa.jsonl"),
        "dev-all": datasets.read_jsonl(datasets.DEV),
    }

    def collect() -> dict[str, list[fitting.Item]]:
        out = {}
        for name, items in sets.items():
            path = datasets.write_jsonl(items, datasets.WORK / "sets" / f"round7-{name}.jsonl")
            out[name] = fitting.collect(libs[name], path)
        return out

    collected = cached(work / "items.pkl", collect)
    bags = {name: Bags(lib) for name, lib in libs.items()}
    for name in ("stard", "gen-all", "dev-all"):
        bags[name] = bags["stard-train"]  # one library, one cache
    bags["own"] = bags["dev"]
    ict = cached(WORK / "ict.pkl", lambda: inverse_cloze(everything))
    pre = cached(WORK / f"pretrain-d{setting.dim}.pkl", lambda: None)
    asked = question_pairs(everything, stard_train + gen_train, bags["stard-train"])
    lists = candidate_lists(
        [
            (collected["stard-train"], bags["stard-train"]),
            (collected["gen-train"], bags["gen-train"]),
        ]
    )
    stem = f"tune-d{setting.dim}-{steps}-{share}"
    whole = cached(
        work / f"{stem}-all.pkl",
        lambda: tuned(pre, ict, asked, lists, steps, share, setting, None),
    )
    crossed = [
        cached(
            work / f"{stem}-{k}.pkl",
            lambda k=k: tuned(pre, ict, asked, lists, steps, share, setting, k),
        )
        for k in range(FOLDS)
    ]
    expansion = libs["dev"].models.expansion
    for label, tables in (("without the column", None), ("with the column", [whole])):
        items = {
            n: with_column(
                i, bags[n], crossed if n.endswith("-train") and tables else tables, False
            )
            for n, i in collected.items()
        }
        train = items["stard-train"] + items["gen-train"]
        models = fitting.fit_all(train + items["dev"], expansion)
        shipped_rule = dataclasses.replace(models, min_coverage=0.1, min_words=2)
        ranking_only = dataclasses.replace(models, min_coverage=0.0, min_words=0)
        print(
            f"== {label}: weight {models.rank[-1]:.3f},"
            f" rule {models.min_coverage}/{models.min_words}"
        )
        for name in ("stard", "gen", "gen-all", "extra", "own", "dev-all"):
            refit = round4.figures([fitting.judge(i, models) for i in items[name]])
            rule2 = round4.figures([fitting.judge(i, shipped_rule) for i in items[name]])
            ranked = round4.figures([fitting.judge(i, ranking_only) for i in items[name]])
            print(
                f"   {name:8} refitted rule {refit}\n"
                f"            shipped rule  {rule2}\n"
                f"            ranked        {ranked}"
            )
        dev = items["dev"]
        for rule_label, rule in (("refitted rule", None), ("shipped rule", (0.1, 2))):
            outcomes = cross_validate_rule(dev, train, expansion, rule)
            print(f"   dev-cv+train {rule_label}  {round4.figures(outcomes)}")
            if rule is None:
                for line in fitting.table(outcomes)[3:]:
                    print(f"      {line}")
        alone = fitting.cross_validate(dev, 5, expansion=expansion)
        print(f"   dev-cv alone  {round4.figures(alone)}", flush=True)
        for name in ("stard", "gen"):
            outcomes = [fitting.judge(i, models) for i in items[name]]
            for line in fitting.table(outcomes)[3:]:
                print(f"      {name} {line}")


def cross_validate_rule(
    dev: list[fitting.Item],
    train: list[fitting.Item],
    expansion: object,
    rule: tuple[float, int] | None,
) -> list[fitting.Outcome]:
    """Dev in 5-fold CV with the train items in every fold; `rule` fixed when given."""
    if rule is None:
        return fitting.cross_validate(dev, 5, extra=train, expansion=expansion)  # type: ignore[arg-type]
    import random

    rng = random.Random(13)
    folds: list[list[int]] = [[] for _ in range(5)]
    for answerable in (True, False):
        group = [i for i, it in enumerate(dev) if it.answerable == answerable]
        rng.shuffle(group)
        for n, index in enumerate(group):
            folds[n % 5].append(index)
    out: dict[int, fitting.Outcome] = {}
    for held in folds:
        rest = [dev[i] for i in range(len(dev)) if i not in set(held)] + train
        models = fitting.fit_all(rest, expansion)  # type: ignore[arg-type]
        models = dataclasses.replace(models, min_coverage=rule[0], min_words=rule[1])
        for i in held:
            out[i] = fitting.judge(dev[i], models)
    return [out[i] for i in range(len(dev))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--finetune", type=int, nargs="+", default=[300])
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--share", type=float, default=0.5, help="question pairs per batch")
    parser.add_argument(
        "--hard", action="store_true", help="every other step: questions against their candidates"
    )
    parser.add_argument("--no-pretrain-row", action="store_true")
    parser.add_argument(
        "--test", action="store_true", help="the chosen setting on the test splits"
    )
    args = parser.parse_args()
    setting = dense.Setting(dim=args.dim)
    if args.test:
        test_report(args.finetune[0], args.share, setting)
        return
    split = round4.parts()
    libs = round4.libraries(split)
    bags = {name: Bags(lib) for name, lib in libs.items()}

    def collect() -> dict[str, list[fitting.Item]]:
        out = {}
        for name in ("stard", "gen"):
            fit_part, check_part = split[name]
            sets = datasets.WORK / "sets"
            fit_file = datasets.write_jsonl(fit_part, sets / f"round4-{name}-fit.jsonl")
            check_file = datasets.write_jsonl(check_part, sets / f"round4-{name}-check.jsonl")
            out[f"{name}-fit"] = fitting.collect(libs[name], fit_file)
            out[f"{name}-check"] = fitting.collect(libs[name], check_file)
        out["dev"] = fitting.collect(libs["dev"], datasets.DEV)
        return out

    collected = cached(WORK / "items.pkl", collect)
    print("collected", {k: len(v) for k, v in collected.items()}, flush=True)
    ict = cached(WORK / "ict.pkl", lambda: inverse_cloze(libs["stard"]))
    fitted = split["stard"][0] + split["gen"][0]
    asked = question_pairs(libs["stard"], fitted, bags["stard"])
    print(f"inverse-cloze pairs {len(ict)}, question pairs {len(asked)}", flush=True)
    tag = f"d{setting.dim}"
    pre = cached(
        WORK / f"pretrain-{tag}.pkl",
        lambda: dense.train([(ict, 1.0)], PRETRAIN_STEPS, setting, log="pretrain"),
    )
    expansion = libs["dev"].models.expansion
    variants: list[tuple[str, list[dense.Floats] | None, list[dense.Floats] | None, bool]] = [
        ("baseline", None, None, False),
    ]
    if not args.no_pretrain_row:
        variants.append(("inverse cloze only, cosine", [pre], [pre], False))
    lists = candidate_lists(
        [(collected["stard-fit"], bags["stard"]), (collected["gen-fit"], bags["gen"])]
    )
    hard = "-hard" if args.hard else ""
    for steps in args.finetune:

        def tune(k: int | None, steps: int = steps) -> dense.Floats:
            pairs = [(q, c) for item, q, c in asked if k is None or fold(item["query"]) != k]
            pools = [(ict, 1.0 - args.share), (pairs, args.share)]
            own = [(q, c, g) for query, q, c, g in lists if k is None or fold(query) != k]
            return dense.train(
                pools,
                steps,
                setting,
                table=pre,
                log=f"tune{steps}{hard}/{k}",
                lists=own if args.hard else (),
            )

        stem = f"tune-{tag}-{steps}-{args.share}{hard}"
        whole = cached(WORK / f"{stem}-all.pkl", lambda: tune(None))
        crossed = [cached(WORK / f"{stem}-{k}.pkl", lambda k=k: tune(k)) for k in range(FOLDS)]
        name = f"+ questions{' and their candidates' if hard else ''} {steps} steps, cosine"
        variants.append((name, [whole], crossed, False))
    for name, whole_t, crossed_t, relative in variants:
        items = {
            n: with_column(
                i, bags[n.split("-")[0]], crossed_t if n.endswith("-fit") else whole_t, relative
            )
            for n, i in collected.items()
        }
        fit_items = items["stard-fit"] + items["gen-fit"]
        models = fitting.fit_all(fit_items, expansion)
        ranking_only = dataclasses.replace(models, min_coverage=0.0, min_words=0)
        # The shipped rule (coverage 0.10, 2 whole words), which a refit may move.
        shipped_rule = dataclasses.replace(models, min_coverage=0.1, min_words=2)
        print(
            f"== {name}  weight {models.rank[-1]:.3f}"
            f"  rule {models.min_coverage}/{models.min_words}"
        )
        for part in ("gen", "stard"):
            check = items[f"{part}-check"]
            print(f"   {part}-check  {round4.figures([fitting.judge(i, models) for i in check])}")
            rank = [fitting.judge(i, ranking_only) for i in check]
            print(f"   {part}-rank   {round4.figures(rank)}")
            fixed = [fitting.judge(i, shipped_rule) for i in check]
            print(f"   {part}-rule2  {round4.figures(fixed)}")
            if whole_t is not None:
                lib_vectors = None
                if part == "stard":
                    every = range(len(libs["stard"].clauses))
                    lib_vectors = dense.encode(
                        whole_t[0], [bags["stard"].clause(p) for p in every]
                    )
                print(
                    f"   {part}        "
                    + dense_recall(collected[f"{part}-check"], bags[part], whole_t[0], lib_vectors)
                )
        dev = items["dev"]
        print(
            "   dev-cv       "
            + round4.figures(fitting.cross_validate(dev, 5, expansion=expansion))
        )
        pooled = fitting.cross_validate(dev, 5, extra=fit_items, expansion=expansion)
        print(f"   dev-cv+fit   {round4.figures(pooled)}", flush=True)


if __name__ == "__main__":
    main()
