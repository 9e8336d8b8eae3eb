"""Checksums for the files under the data dir's cache, and what to do when one is damaged.

Every cache file is written with a `<name>.sha256` beside it and read only when the two agree:
a truncated or bit-flipped file that would still parse is caught here, before it is trusted.
A damaged file is removed with one warning and rebuilt by its caller.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("policybot.cache")
_BLOCK = 1 << 20


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
    """Whether a file and its recorded checksum agree (False when either is missing)."""
    try:
        return sidecar(path).read_text(encoding="ascii").strip() == digest(path)
    except (OSError, UnicodeDecodeError):
        return False


def verified_bytes(path: Path) -> bytes | None:
    """A file's bytes when its recorded checksum agrees (read once, hashed in memory), else
    None."""
    try:
        recorded = sidecar(path).read_text(encoding="ascii").strip()
        data = path.read_bytes()
    except (OSError, UnicodeDecodeError):
        return None
    return data if hashlib.sha256(data).hexdigest() == recorded else None


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
