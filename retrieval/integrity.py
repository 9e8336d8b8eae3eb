"""Checksums for the files under the data dir's cache, and what to do when one is damaged.

Every cache file is written with a `<name>.sha256` beside it and read only when the two agree:
a truncated or bit-flipped file that would still parse is caught here, before it is trusted.
A damaged file is removed with one warning and rebuilt by its caller.

Once a file has been found intact, its stamp (size, modification and change times, inode,
device) is recorded on the checksum's second line, and while the file keeps that stamp it is
not hashed again (the big library's 65 MB took ~45 ms of each start). Any write to the file
moves its change time, which no program can set back, so a file damaged by a write is hashed
and caught; what the stamp cannot see is damage below the file system, which hashing at every
start was the only guard against.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("policybot.cache")
_BLOCK = 1 << 20
# A file changed this recently may still change within its file system's timestamp
# granularity (git's "racily clean" files): its stamp is not recorded, it is hashed each time.
_SETTLE_NS = 2_000_000_000


def sidecar(path: Path) -> Path:
    """Where the checksum of `path` is kept."""
    return path.with_name(path.name + ".sha256")


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    hasher = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(_BLOCK):
            hasher.update(block)
    return hasher.hexdigest()


def seal(path: Path) -> None:
    """Record the checksum of a file just written (beside it; atomically)."""
    partial = sidecar(path).with_suffix(".sha256.tmp")
    partial.write_text(digest(path) + "\n", encoding="ascii")
    partial.replace(sidecar(path))


def intact(path: Path) -> bool:
    """Whether a file and its recorded checksum agree (False when either is missing); a file
    with the stamp recorded when it last agreed is not hashed again."""
    try:
        recorded, stamp = _recorded(path)
        info = path.stat()
        if stamp == _stamp(info):
            return True
        if recorded != digest(path):
            return False
    except (OSError, UnicodeDecodeError):
        return False
    _record_stamp(path, recorded, info)
    return True


def verified_bytes(path: Path) -> bytes | None:
    """A file's bytes when its recorded checksum agrees (read once, hashed in memory unless
    its stamp is the one recorded), else None."""
    try:
        recorded, stamp = _recorded(path)
        info = path.stat()
        data = path.read_bytes()
    except (OSError, UnicodeDecodeError):
        return None
    if stamp == _stamp(info) and len(data) == info.st_size:
        return data
    if hashlib.sha256(data).hexdigest() != recorded:
        return None
    _record_stamp(path, recorded, info)
    return data


def _recorded(path: Path) -> tuple[str, str]:
    """The recorded checksum, and the stamp of the file when it last agreed ('' if none)."""
    lines = sidecar(path).read_text(encoding="ascii").splitlines()
    return (lines[0].strip() if lines else ""), (lines[1].strip() if len(lines) > 1 else "")


def _stamp(info: os.stat_result) -> str:
    return f"{info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_ino} {info.st_dev}"


def _record_stamp(path: Path, recorded: str, info: os.stat_result) -> None:
    """Record the stamp of a file just found intact, when it has settled and was not written
    while it was read (`info`: its stat taken before)."""
    settled = max(info.st_mtime_ns, info.st_ctime_ns) < time.time_ns() - _SETTLE_NS
    with contextlib.suppress(OSError):  # a read-only cache only costs the hashing again
        if settled and _stamp(path.stat()) == _stamp(info):
            side = sidecar(path)
            partial = side.with_name(f".{side.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            partial.write_text(f"{recorded}\n{_stamp(info)}\n", encoding="ascii")
            partial.replace(side)


def discard(path: Path, reason: str) -> None:
    """Remove a damaged cache file or directory (and its checksum), with one warning."""
    log.warning("cache damaged, rebuilding: %s (%s)", path, reason)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    sidecar(path).unlink(missing_ok=True)


def cache_directory(path: Path) -> Path:
    """The cache directory, created; a file in its place is moved aside with one warning."""
    if path.exists() and not path.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = path.with_name(f"{path.name}.damaged-{stamp}")
        log.warning("cache damaged, rebuilding: %s is not a directory (moved to %s)", path, aside)
        path.replace(aside)
    path.mkdir(parents=True, exist_ok=True)
    return path
