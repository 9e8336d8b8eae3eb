"""Does the compiled best path give jieba's tokens? Every clause of seeds + the laws, both ways.

    .venv/bin/python -m benchmarks.segmenter_agreement [--laws ../shared/laws]

Parses the bundled documents and a run-time copy of the laws, then segments every clause's
index text (search mode, as the index is built) and every title (accurate mode, as names are
derived) with plain jieba and with `Tokenizer.accelerate()`; prints how many differ and the
CPU time of each.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.laws_library import LAWS, copy_corpus
from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.corpus import read_corpus
from retrieval.documents.catalog import load_catalog
from retrieval.search.index import index_text
from retrieval.words.tokenize import Lexicon, Tokenizer


def timed(run: Callable[[], list[list[str]]]) -> tuple[list[list[str]], float]:
    started = time.process_time()
    out = run()
    return out, time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=Path, default=LAWS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        copy_corpus(args.laws, corpus)
        for seed in BUNDLED_CORPUS.iterdir():
            if seed.is_file():
                shutil.copy(seed, corpus / seed.name)
        documents, _ = read_corpus(corpus, load_catalog(LEXICON_DIR / "aliases.toml"))
        texts = sorted({index_text(c) for d in documents for c in d.clauses})
        titles = sorted({d.title for d in documents})
        work = Path(tmp) / "cache"
        lexicon = Lexicon.from_dir(LEXICON_DIR)
        plain, fast = Tokenizer(lexicon, work), Tokenizer(lexicon, work)
        if not fast.accelerate():
            raise SystemExit("jieba-next is not installed: nothing to compare")
        print(
            f"{len(documents)} documents, {len(texts)} distinct clause texts, {len(titles)} titles"
        )
        for mode, items, cut in (
            ("search mode, clause texts", texts, lambda t, s: t.tokens(s)),
            ("accurate mode, titles", titles, lambda t, s: t.cut(s)),
        ):
            slow, slow_s = timed(lambda: [cut(plain, s) for s in items])  # noqa: B023
            quick, quick_s = timed(lambda: [cut(fast, s) for s in items])  # noqa: B023
            differ = sum(a != b for a, b in zip(slow, quick, strict=True))
            print(
                f"{mode}: {differ} of {len(items)} differ; "
                f"jieba {slow_s:.1f} s CPU, compiled path {quick_s:.1f} s CPU"
            )


if __name__ == "__main__":
    main()
