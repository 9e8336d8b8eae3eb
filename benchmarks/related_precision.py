"""Precision of the 相关条款 pairs, from labels someone other than the method's author gave.

    .venv/bin/python -m benchmarks.related_precision [--pairs FILE] [--labels FILE]

Reads the pairs (benchmarks/related_pairs.py) and the labels, one JSON object a line:
{"id": "p001", "related": true|false, "note": "..."}. Prints how many pairs were judged
related among those labelled, with a 95 % Wilson interval, overall and by where the pair
was sampled (both clauses in the bundled documents, or not).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from config.settings import BUNDLED_CORPUS, LEXICON_DIR, PROJECT_ROOT
from retrieval.library import Library, LibraryPaths

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "related"
TARGET = 0.8


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def wilson(hits: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion."""
    if total == 0:
        return 0.0, 0.0
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return centre - half, centre + half


def line(name: str, labels: list[bool]) -> str:
    hits, total = sum(labels), len(labels)
    if not total:
        return f"{name}: no pairs labelled"
    low, high = wilson(hits, total)
    return f"{name}: {hits}/{total} related = {hits / total:.3f} (95 % CI {low:.2f}–{high:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=Path, default=FIXTURES / "pairs_to_label.jsonl")
    parser.add_argument("--labels", type=Path, default=FIXTURES / "labels.jsonl")
    args = parser.parse_args()
    if not args.labels.is_file():
        raise SystemExit(f"no labels at {args.labels}: nothing to score")
    pairs = {p["id"]: p for p in read_lines(args.pairs)}
    labels = {x["id"]: bool(x["related"]) for x in read_lines(args.labels)}
    unknown = sorted(set(labels) - set(pairs))
    if unknown:
        raise SystemExit(f"labels for pairs not in {args.pairs}: {', '.join(unknown)}")
    bundled = {d.title for d in Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR)).documents}
    seeds = [v for k, v in labels.items() if {pairs[k]["a_title"], pairs[k]["b_title"]} <= bundled]
    laws = [
        v for k, v in labels.items() if not {pairs[k]["a_title"], pairs[k]["b_title"]} <= bundled
    ]
    print(f"pairs: {len(pairs)}, labelled: {len(labels)}, unlabelled: {len(pairs) - len(labels)}")
    print(line("all labelled pairs", list(labels.values())))
    print(line("bundled documents", seeds))
    print(line("bundled + laws", laws))
    judged = list(labels.values())
    met = bool(judged) and sum(judged) / len(judged) >= TARGET
    print(f"target {TARGET}: {'met' if met else 'not met'}")


if __name__ == "__main__":
    main()
