"""Where the first build of the big library (seeds + ../shared/laws) goes, stage by stage.

    .venv/bin/python -m benchmarks.build_profile [--laws ../shared/laws]

Each stage runs the library's own functions in the order `Library.load` calls them, on a
copy of the laws made at run time. Peak RSS is this process's high-water mark (segmenting
workers apart). `--workers 1` also times parsing and segmentation apart, serially.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from benchmarks.laws_library import LAWS, copy_corpus
from config.settings import LEXICON_DIR
from retrieval.corpus import assemble, read_corpus
from retrieval.documents.catalog import load_catalog
from retrieval.documents.naming import english_titles, name_documents
from retrieval.library import ENGLISH_TITLES, Library
from retrieval.listing import corpus_files
from retrieval.reading.formats import PARSER_VERSION
from retrieval.search.bm25 import SparseBM25
from retrieval.search.index import index_text
from retrieval.search.screen import screen
from retrieval.storage import cache
from retrieval.storage.segments import segment_corpus
from retrieval.words.expansion import Expander
from retrieval.words.tokenize import TOKENIZER_VERSION, Lexicon, Tokenizer

T = TypeVar("T")


def peak_mb() -> float:
    """The process's peak resident set so far, in MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage(name: str, run: Callable[[], T], times: dict[str, float]) -> T:
    started = time.perf_counter()
    out = run()
    times[name] = time.perf_counter() - started
    print(f"  {name:28s} {times[name]:6.2f}s   peak RSS {peak_mb():5.0f} MB", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=Path, default=LAWS)
    parser.add_argument("--workers", type=int, default=None, help="1: the stages apart")
    args = parser.parse_args()
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        copy_corpus(args.laws, corpus)
        work = Path(tmp) / "cache"
        work.mkdir()
        total = time.perf_counter()
        tokenizer = stage(
            "tokenizer (jieba, userdict)",
            lambda: Tokenizer(Lexicon.from_dir(LEXICON_DIR), work),
            times,
        )
        files = corpus_files(corpus)
        versions = TOKENIZER_VERSION + PARSER_VERSION
        if args.workers == 1:  # parsing and segmentation apart, in this process
            catalog = load_catalog(LEXICON_DIR / "aliases.toml")
            documents, problems = stage("parsing", lambda: read_corpus(corpus, catalog), times)
            clauses = [c for d in documents for c in d.clauses]
            stage(
                "segmentation (jieba)",
                lambda: [tokenizer.tokens(index_text(c)) for c in clauses],
                times,
            )
        found = stage(
            f"parse + segment ({args.workers or 'all'} cores)",
            lambda: segment_corpus(
                corpus, files, tokenizer, LEXICON_DIR, versions, work / "segments", args.workers
            ),
            times,
        )
        parts = list(found.segments)
        documents, problems = stage(
            "merge copies, ids",
            lambda: assemble(
                [c for p in parts for c in p.copies],
                [x for p in parts for x in p.problems],
                load_catalog(LEXICON_DIR / "aliases.toml"),
            ),
            times,
        )
        english = english_titles(LEXICON_DIR / ENGLISH_TITLES)
        documents = stage(
            "names (abbreviations)",
            lambda: name_documents(documents, tokenizer.cut, english),
            times,
        )
        documents, _ = stage("screen", lambda: screen(documents, tokenizer), times)
        counted = {text: c for p in parts for text, c in p.texts()}
        bm25 = stage(
            "index arrays (BM25 from counts)",
            lambda: SparseBM25.from_counts(
                (
                    counted[index_text(c)].terms,
                    counted[index_text(c)].tfs,
                    counted[index_text(c)].length,
                )
                for d in documents
                for c in d.clauses
            ),
            times,
        )
        expander = work / "expander.json"
        vocabulary = tokenizer.known(bm25.vocab)
        stage("expansions (thesaurus)", lambda: Expander.cached(expander, vocabulary), times)
        library = stage(
            "clause tables, names, numbers",
            lambda: Library(documents, problems, tokenizer, bm25, expander_cache=expander),
            times,
        )
        key = cache.cache_key(files, LEXICON_DIR, versions)
        stage(
            "cache write",
            lambda: cache.save(work, key, documents, problems, library.index.bm25),
            times,
        )
        stage("citations (read at reload)", library.citations.build, times)
        clauses = list(library.clauses)
        print(
            f"{len(documents)} documents, {len(clauses)} clauses; "
            f"total {time.perf_counter() - total:.2f}s, peak RSS {peak_mb():.0f} MB"
        )


if __name__ == "__main__":
    main()
