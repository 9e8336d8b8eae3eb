"""How a running library is built from the settings: the one place the CLI, `serve` and the
corpus watcher get a library from.

The paths (corpus, lexicon, caches) come from the settings, files left out of the index are
logged by name, and the deployment's optional channels (embeddings, LLM rewrites) are given
to the builder once and plugged into every library it builds: a library re-indexed after
/reload, an upload or a file change ranks like the one the bot started with.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.endpoints.channels import attach_channels
from config.settings import LEXICON_DIR, Settings
from retrieval.library import Library, LibraryPaths, Progress

BIG_BUILD = 2000  # clauses: show a progress bar when (re)indexing more than this
# (paths, progress bar, the library answering now: a change patches its cache)
Loader = Callable[[LibraryPaths, Progress | None, Library | None], Library]
Attach = Callable[[Library, bool], None]  # plugs channels into a library (progress bars?)


def library_paths(settings: Settings) -> LibraryPaths:
    """Corpus, lexicon and cache locations from the settings."""
    return LibraryPaths(settings.corpus_dir, LEXICON_DIR, settings.data_dir / "cache")


def log_skipped(library: Library) -> None:
    """One warning per corpus file (or document in one) left out of the index, naming it."""
    log = logging.getLogger("policybot.corpus")
    for problem in library.problems:
        if problem.kind == "skipped":
            log.warning("corpus file skipped: %s — %s", problem.source, problem.message)


def load_library(
    paths: LibraryPaths, progress: Progress | None, previous: Library | None = None
) -> Library:
    """The library from the cache, patched from the previous one's, or indexed from the
    corpus files (retrieval/)."""
    return Library.load(paths, progress=progress, previous=previous)


@dataclass(frozen=True, slots=True)
class Change:
    """Documents added, changed and removed by a reload (titles), and the new totals."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    documents: int
    clauses: int
    problems: int


@dataclass(frozen=True, slots=True)
class LibraryBuilder:
    """Builds libraries from one place with one set of channels, as often as asked."""

    paths: LibraryPaths
    attach: Attach | None = None  # the configured channels; None ranks with BM25 alone
    load: Loader = load_library  # a test's stand-in fails as a full disk would
    serving: bool = False  # the bot's libraries: lazy indexes built before the first question

    def build(self, at_start: bool = False, previous: Library | None = None) -> Library:
        """A library ready to answer, with the channels plugged in.

        `at_start`: the process does nothing else yet, so long builds show a progress bar on
        stderr and cyclic garbage collection pauses (a running bot keeps collecting).
        `previous`: the library answering now, whose cache a few changed files patch."""
        if at_start:
            # Loading makes some 10^5 lasting objects (dictionaries, lexicon, tables): a cyclic
            # collection every few hundred of them walked the growing heap again and again.
            gc.disable()
        try:
            library = self.load(self.paths, _progress_bar() if at_start else None, previous)
        finally:
            if at_start:
                if not self.serving:
                    # Made while collection paused, every object loaded is in the youngest
                    # generation: the first collections after it walked them all (≈ 60 ms of a
                    # one-question `ask`). A CLI keeps its library until it exits; the bot
                    # swaps its libraries, whose cycles a frozen heap would never free.
                    gc.freeze()
                gc.enable()
        log_skipped(library)
        if self.serving:
            library.warm()
        if self.attach is not None:
            self.attach(library, at_start)
        return library

    def stale(self) -> Library | None:
        """An older cached library with the channels, to answer with while the current
        corpus is indexed; None when the current corpus is cached (or nothing is)."""
        if Library.is_cached(self.paths):
            return None
        library = Library.load_stale(self.paths)
        if library is not None and self.serving:
            library.warm()
        if library is not None and self.attach is not None:
            self.attach(library, True)
        return library


def library_builder(
    settings: Settings, channels: bool = True, serving: bool = False
) -> LibraryBuilder:
    """The builder of this deployment's libraries; `channels=False` for commands that do not
    rank (docs, toc, check …), which then never load an HTTP client; `serving` for the bot's
    (the CLI answers a few questions and builds only the indexes they need)."""

    def attach(library: Library, progress: bool) -> None:
        attach_channels(library, settings, progress)

    return LibraryBuilder(library_paths(settings), attach if channels else None, serving=serving)


def _progress_bar() -> Progress:
    """A tqdm bar on stderr for long index builds; silent for small corpora."""
    bar: list[Any] = []

    def update(done: int, total: int) -> None:
        if total < BIG_BUILD:
            return
        if not bar:
            from tqdm import tqdm

            bar.append(tqdm(total=total, unit="条", desc="建立索引", file=sys.stderr))
        bar[0].n = done
        if done == total or done % 500 == 0:
            bar[0].refresh()
        if done == total:
            bar[0].close()

    return update
