"""The expander of a first build made in a forked process while the index arrays are built.

The thesaurus tables (Cilin, CC-CEDICT, pinyin) need only the corpus's words, known once the
documents are screened; the BM25 arrays need the same counts. Both used to run one after the
other on one core while the other idled (1.8 s and 1.4 s of a 1,500-law build). The child
writes the expander's cache file; the library reads it as it reads any cached expander, and
builds it itself when the child could not (a failed child costs time, never the build). Then,
no longer waited for, the child caches the thesaurus indexes a later patch reads (sources.py):
the first change to the library after a fresh build need not make them (1.3 s).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

from retrieval.words.expansion import Expander, cache_sources


def start(path: Path, vocabulary: Iterable[str]) -> Building | None:
    """A forked process writing the expander for `vocabulary` at `path`; None where forking
    is unsafe (another thread runs: the bot's reloads) or there is nothing to build."""
    if path.exists() or threading.active_count() != 1:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    words = sorted(set(vocabulary))
    context = multiprocessing.get_context("fork")
    written = context.Event()
    # Not a daemon: a CLI that exits first waits for the thesaurus indexes to be written.
    process = context.Process(
        target=_write, args=(path, words, written), name="policybot-expander", daemon=False
    )
    process.start()
    return Building(process, written)


@dataclass(frozen=True, slots=True)
class Building:
    """The child making an expander, and the event it sets once the expander is written."""

    process: BaseProcess
    written: EventType


def finish(building: Building | None) -> None:
    """Wait until the expander's file is complete (or the child gone without it)."""
    if building is None:
        return
    while not building.written.wait(0.05):
        if not building.process.is_alive():
            return


def _write(path: Path, words: list[str], written: EventType) -> None:
    Expander.build(words).save(path)
    written.set()
    cache_sources(path.parent)
