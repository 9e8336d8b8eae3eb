"""Keep the library in step with the corpus directory, without a restart.

The directory is polled (names, sizes and modification times: cheap, and it works on network
and container mounts where file-system events do not arrive). A change is re-indexed once it
has held still for one poll, in a worker thread, while the current library keeps answering;
then the new library replaces it in one assignment and the store records what changed, which
digests show under 文件更新. A re-index that fails is logged and tried again later (every
minute at first, then less often), whether or not the corpus changes again.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot.digest import fingerprints
from bot.upkeep.building import Change, LibraryBuilder, library_builder
from retrieval.library import Library
from retrieval.listing import corpus_files

if TYPE_CHECKING:
    from bot.state import Reindexer, Services

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
RETRY_SECONDS = 60.0  # first retry after a failed re-index; doubled each time, up to 10 min
MAX_RETRY_SECONDS = 600.0
Snapshot = tuple[tuple[str, int, int], ...]


def snapshot(directory: Path) -> Snapshot:
    """Name, size and modification time of every corpus file."""
    try:
        return tuple(
            (p.name, s.st_size, s.st_mtime_ns)
            for p in corpus_files(directory)
            for s in (p.stat(),)
        )
    except OSError:  # a file removed between listing and stat: the next poll sees it settled
        return ()


def compare(old: Library, new: Library) -> Change:
    """What a reload changed, document by document."""
    before, after = fingerprints(old), fingerprints(new)
    return Change(
        added=tuple(title for doc_id, (title, _) in after.items() if doc_id not in before),
        changed=tuple(
            title
            for doc_id, (title, fingerprint) in after.items()
            if doc_id in before and before[doc_id][1] != fingerprint
        ),
        removed=tuple(title for doc_id, (title, _) in before.items() if doc_id not in after),
        documents=len(new.documents),
        clauses=len(new.clauses),
        problems=len(new.problems),
    )


def start(
    services: Services, interval: float = POLL_SECONDS, retry: float = RETRY_SECONDS
) -> Reindexer:
    """Start the services' reloader polling (from the bot's post_init); create it if needed.

    `serve` creates a reloader that has seen nothing when it starts on an older cached
    library (the corpus changed while it was down): its first polls re-index the corpus.
    """
    reloader = services.reloader or Reloader(
        services, library_builder(services.settings, serving=True), interval, retry=retry
    )
    services.reloader = reloader
    services.background.append(asyncio.get_running_loop().create_task(reloader.watch()))
    return reloader


class Reloader:
    """Polls the corpus directory and swaps in a re-indexed library when it changed.

    Libraries come from the builder it is given, with the deployment's channels."""

    def __init__(
        self,
        services: Services,
        builder: LibraryBuilder,
        interval: float = POLL_SECONDS,
        retry: float = RETRY_SECONDS,
        seen: Snapshot | None = None,
    ) -> None:
        self.services = services
        self.builder = builder
        self.paths = builder.paths
        self.interval = interval
        self.seen = snapshot(self.paths.corpus_dir) if seen is None else seen
        self._retry = retry
        self._failures = 0
        self._retry_at: float | None = None
        self._lock = asyncio.Lock()

    async def watch(self) -> None:
        """Poll forever; reload when a change has held still for one poll or a retry is due."""
        loop = asyncio.get_running_loop()
        previous = self.seen
        while True:
            await asyncio.sleep(self.interval)
            current = await asyncio.to_thread(snapshot, self.paths.corpus_dir)
            settled = current != self.seen and current == previous
            due = self._retry_at is not None and loop.time() >= self._retry_at
            if settled or due:
                await self._attempt(loop)
            previous = current

    async def _attempt(self, loop: asyncio.AbstractEventLoop) -> None:
        """One reload; a failure keeps the current library answering and schedules a retry."""
        try:
            await self.reload()
        except Exception:  # whatever broke the rebuild, the bot answers on and tries again
            self._failures += 1
            delay = min(MAX_RETRY_SECONDS, self._retry * 2 ** (self._failures - 1))
            self._retry_at = loop.time() + delay
            log.exception(
                "re-indexing the corpus failed (attempt %d); keeping the current index, "
                "retrying in %.0f s",
                self._failures,
                delay,
            )
        else:
            self._failures, self._retry_at = 0, None

    async def reload(self) -> Change:
        """Re-index the corpus now (one rebuild at a time) and answer from the result."""
        async with self._lock:
            # Taken before the build: a file changed during it triggers another reload.
            self.seen = await asyncio.to_thread(snapshot, self.paths.corpus_dir)
            old = self.services.library
            new = await asyncio.to_thread(self.builder.build, False, old)
            # Off the loop, before it answers: 引用条款 and 相关条款 buttons are then lookups.
            await asyncio.to_thread(new.link_clauses)
            self.services.library = new
            await asyncio.to_thread(new.persist)  # the expander a patch made, for the next start
            change = compare(old, new)
            await asyncio.to_thread(self._record, old, new)
            log.info(
                "corpus re-indexed: %d documents, %d clauses (+%d ~%d -%d)",
                change.documents,
                change.clauses,
                len(change.added),
                len(change.changed),
                len(change.removed),
            )
            return change

    def _record(self, old: Library, new: Library) -> None:
        store = self.services.store
        now = self.services.clock().astimezone(self.services.settings.zone)  # as digests do
        store.sync_documents(fingerprints(new), now)
        gone = [d.doc_id for d in old.documents if new.document(d.doc_id) is None]
        if gone:
            store.mark_removed(gone, now)
