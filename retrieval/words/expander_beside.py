"""The expander of a first build made in a forked process while the index arrays are built.

The thesaurus tables (Cilin, CC-CEDICT, pinyin) need only the corpus's words, known once the
documents are screened; the BM25 arrays need the same counts. Both used to run one after the
other on one core while the other idled (1.8 s and 1.4 s of a 1,500-law build). The child
writes the expander's cache file; the library reads it as it reads any cached expander, and
builds it itself when the child could not (a failed child costs time, never the build).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterable
from multiprocessing.process import BaseProcess
from pathlib import Path

from retrieval.words.expansion import Expander


def start(path: Path, vocabulary: Iterable[str]) -> BaseProcess | None:
    """A forked process writing the expander for `vocabulary` at `path`; None where forking
    is unsafe (another thread runs: the bot's reloads) or there is nothing to build."""
    if path.exists() or threading.active_count() != 1:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    words = sorted(set(vocabulary))
    process = multiprocessing.get_context("fork").Process(
        target=_write, args=(path, words), name="policybot-expander", daemon=True
    )
    process.start()
    return process


def finish(process: BaseProcess | None) -> None:
    """Wait for the child: its file is complete (or absent) afterwards."""
    if process is not None:
        process.join()
        process.close()


def _write(path: Path, words: list[str]) -> None:
    Expander.build(words).save(path)
