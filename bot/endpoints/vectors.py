"""On-disk cache of clause vectors, one .npz per embedding model, rows keyed by text hash.

Never pickle: the keys are a fixed-width string array and the vectors float32. A file that
fails to load, belongs to another model or is inconsistent counts as empty and is rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
FORMAT = "policybot-vectors-1"
KEY_CHARS = 32  # hex digits of a text's SHA-256 kept as its key (128 bits)


def text_key(text: str) -> str:
    """The cache key of one embedded text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:KEY_CHARS]


@dataclass(frozen=True, slots=True)
class Vectors:
    """Unit vectors, a row per key."""

    keys: tuple[str, ...]
    matrix: np.ndarray

    @classmethod
    def empty(cls) -> Vectors:
        """No vectors (the dimension is unknown until the first one)."""
        return cls((), np.zeros((0, 0), np.float32))

    @property
    def dim(self) -> int | None:
        """The vector dimension, or None when there are no vectors."""
        return int(self.matrix.shape[1]) if self.keys else None

    def rows(self) -> dict[str, int]:
        """Row number by key."""
        return {key: row for row, key in enumerate(self.keys)}

    def plus(self, other: Vectors) -> Vectors:
        """These vectors and the other's (same dimension)."""
        if not self.keys:
            return other
        if not other.keys:
            return self
        return Vectors(self.keys + other.keys, np.vstack([self.matrix, other.matrix]))

    def subset(self, keys: list[str]) -> Vectors:
        """The vectors of these keys, in this order (every key must be present)."""
        rows = self.rows()
        return Vectors(tuple(keys), self.matrix[[rows[k] for k in keys]])


class VectorCache:
    """The cache file of one model under a directory."""

    def __init__(self, directory: Path, model: str) -> None:
        self.model = model
        slug = re.sub(r"[^0-9A-Za-z._-]+", "_", model)[:60]
        self.path = directory / f"{slug}-{hashlib.sha256(model.encode()).hexdigest()[:8]}.npz"

    def load(self) -> Vectors:
        """The cached vectors; empty when missing or written for another model.

        A damaged file (truncated, bit-flipped: the zip's CRC fails) is removed with one
        warning, and the vectors are computed again.
        """
        if not self.path.exists():
            return Vectors.empty()
        try:
            # Opened here: np.load leaks its own handle when a truncated zip fails to open.
            with self.path.open("rb") as stream, np.load(stream, allow_pickle=False) as arrays:
                if str(arrays["format"]) != FORMAT or str(arrays["model"]) != self.model:
                    return Vectors.empty()
                keys, matrix = arrays["keys"], arrays["vectors"]
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            return self._damaged(type(exc).__name__)
        consistent = (
            keys.ndim == 1
            and matrix.ndim == 2
            and len(keys) == len(matrix)
            and matrix.dtype == np.float32
            and bool(np.isfinite(matrix).all())
        )
        if not consistent:
            return self._damaged("inconsistent arrays")
        if not len(keys):
            return Vectors.empty()
        return Vectors(tuple(str(k) for k in keys), matrix)

    def _damaged(self, reason: str) -> Vectors:
        log.warning("cache damaged, rebuilding: %s (%s)", self.path, reason)
        with contextlib.suppress(OSError):
            self.path.unlink()
        return Vectors.empty()

    def save(self, vectors: Vectors) -> None:
        """Replace the file atomically; a read-only data dir only costs a recomputation."""
        partial = self.path.with_name(
            f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
        )
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as out:
                np.savez(
                    out,
                    format=np.array(FORMAT),
                    model=np.array(self.model),
                    keys=np.array(vectors.keys, dtype=f"<U{KEY_CHARS}"),
                    vectors=vectors.matrix.astype(np.float32),
                )
            os.replace(partial, self.path)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
