"""Pairs of related clauses as the bot shows them (相关条款), for someone who did not write the
method to judge: are the two clauses about the same matter?

    .venv/bin/python -m benchmarks.related_pairs [--laws ../shared/laws] [--n 80] [--seed 27]

The pairs are: every pair shown in the bundled library (the default install), then a uniform
random sample (fixed seed) of the pairs shown when the bundled documents and every law of
../shared/laws are loaded together, until there are `--n`. A pair shown under both of its
clauses counts once. The file lists each pair's titles, section numbers and texts in a
shuffled order, and nothing about how it was found (no similarity, no source corpus). The
laws are copied into a temporary directory at run time, never into the project.
Labels go to tests/fixtures/related/labels.jsonl; benchmarks/related_precision.py scores them.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from benchmarks.laws_library import LAWS, copy_corpus
from config.settings import BUNDLED_CORPUS, LEXICON_DIR, PROJECT_ROOT
from retrieval.library import Library, LibraryPaths
from retrieval.model import Clause

OUT = PROJECT_ROOT / "tests" / "fixtures" / "related" / "pairs_to_label.jsonl"
Pair = tuple[Clause, Clause]


def shown_pairs(library: Library) -> list[Pair]:
    """Every pair of clauses the 相关条款 button shows, once, in library order."""
    seen: set[tuple[tuple[str, int], tuple[str, int]]] = set()
    pairs: list[Pair] = []
    for doc in library.documents:
        for clause in doc.clauses:
            for other in library.related(clause):
                key = tuple(
                    sorted(((clause.doc_id, clause.ordinal), (other.doc_id, other.ordinal)))
                )
                if key not in seen:
                    seen.add(key)  # type: ignore[arg-type]
                    pairs.append((clause, other))
    return pairs


def pair_key(library: Library, pair: Pair) -> frozenset[tuple[str, str]]:
    """A pair by titles and section numbers, the same in any library holding both clauses."""
    return frozenset((library.title(c), c.label) for c in pair)


def record(library: Library, pair: Pair, number: int) -> dict[str, str]:
    a, b = pair
    return {
        "id": f"p{number:03d}",
        "a_title": library.title(a),
        "a_number": a.label,
        "a_text": a.text,
        "b_title": library.title(b),
        "b_number": b.label,
        "b_text": b.text,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=Path, default=LAWS)
    parser.add_argument("--n", type=int, default=80)
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not args.laws.is_dir():
        raise SystemExit(f"no laws at {args.laws}: nothing to sample")
    rng = random.Random(args.seed)
    bundled = Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))
    chosen = [(bundled, p) for p in shown_pairs(bundled)]
    taken = {pair_key(bundled, p) for _, p in chosen}
    print(f"bundled library: {len(chosen)} pairs shown, all taken")
    with tempfile.TemporaryDirectory() as tmp:
        big = Library.load(LibraryPaths(copy_corpus(args.laws, Path(tmp)), LEXICON_DIR))
        pool = [p for p in shown_pairs(big) if pair_key(big, p) not in taken]
        wanted = max(0, args.n - len(chosen))
        sample = rng.sample(pool, min(wanted, len(pool)))
        print(f"bundled + laws: {len(pool)} other pairs shown, {len(sample)} sampled")
        chosen += [(big, p) for p in sample]
        rng.shuffle(chosen)
        lines = [record(lib, pair, n + 1) for n, (lib, pair) in enumerate(chosen)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(lines)} pairs written to {args.out}")


if __name__ == "__main__":
    main()
