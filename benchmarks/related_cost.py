"""What related clauses (相关条款) cost to compute, and how many clauses get the button.

    .venv/bin/python -m benchmarks.related_cost [--laws ../shared/laws] [--repeat 3]

For the bundled library and for the bundled documents with every law of ../shared/laws
(copied into a temporary directory at run time): the time to build the library (parse and
index, no cache), to load it from the cache as `serve` does at start, and then to compute
every clause's related clauses (the median of --repeat runs on a fresh Relations each), as
`Library.link_clauses` does off the event loop; then how many clauses have at least one
related clause and how many pairs are shown.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.laws_library import LAWS, copy_corpus
from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from retrieval.search.related import RELATED_KINDS, library_relations


def measure(name: str, corpus: Path, cache: Path, repeat: int) -> None:
    paths = LibraryPaths(corpus, LEXICON_DIR, cache)
    started = time.perf_counter()
    Library.load(paths)
    built = time.perf_counter() - started
    started = time.perf_counter()
    library = Library.load(paths)
    loaded = time.perf_counter() - started
    times = []
    for _ in range(repeat):
        relations = library_relations(library.index.bm25, library.documents)
        started = time.perf_counter()
        relations.build()
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    library.citations.build()
    cited = time.perf_counter() - started
    eligible = sum(
        len(d.clauses) for d in library.documents if d.kind in RELATED_KINDS and not d.superseded
    )
    with_button = relations.count()
    pairs = relations.pairs()
    print(
        f"{name}: {len(library.documents):,} documents, {len(library.clauses):,} clauses "
        f"({eligible:,} of current policies and regulations)\n"
        f"  build (parse + index, no cache) {built:.1f} s; load from cache {loaded:.2f} s\n"
        f"  related clauses, all computed: {statistics.median(times):.2f} s "
        f"(median of {repeat}: {', '.join(f'{t:.2f}' for t in times)}); "
        f"references (citations.build) {cited:.2f} s\n"
        f"  clauses with a 相关条款 button: {with_button:,} "
        f"({with_button / max(eligible, 1):.1%} of eligible); pairs shown: {pairs:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=Path, default=LAWS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        shutil.copytree(BUNDLED_CORPUS, seeds)
        measure("bundled", seeds, Path(tmp) / "cache-seeds", args.repeat)
        if not args.laws.is_dir():
            print(f"no laws at {args.laws}: the library of laws is not measured")
            return
        corpus = Path(tmp) / "laws-corpus"
        corpus.mkdir()
        measure(
            "bundled + laws",
            copy_corpus(args.laws, corpus),
            Path(tmp) / "cache-laws",
            args.repeat,
        )


if __name__ == "__main__":
    main()
