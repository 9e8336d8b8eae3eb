"""Indexes a library derives from its cache, kept beside that cache so a start reads them
instead of making them again: the document names' (~50 ms of the big library's start).

marshal, not pickle: a snapshot holds plain lists, sets and dicts, and reading one runs no
code. Its format is the Python version's own, so the file is named by that version; a
snapshot of another library, made by another `names.py` (its bytes are hashed into it) or
that fails its checksum is made again.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from retrieval.documents import names as naming_code
from retrieval.documents.names import Names
from retrieval.integrity import discard, seal, verified_bytes
from retrieval.model import Document
from retrieval.words.normalize import Folded

NAMES = f"names-py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}.marshal"


def names(directory: Path, documents: Sequence[Document], fold: Callable[[str], Folded]) -> Names:
    """The documents' names from the snapshot in a library's cache `directory`; made (and
    the snapshot written) when there is none that fits."""
    path = directory / NAMES
    if path.exists():
        data = verified_bytes(path)
        if data is None:
            discard(path, "checksum mismatch or missing")
        else:
            found = _names(data, documents)
            if found is not None:
                return found
    made = Names(documents, fold)
    with contextlib.suppress(OSError, ValueError):  # a read-only cache only costs this again
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps((_code(), made.state())))
        partial.replace(path)
        seal(path)
    return made


def _names(data: bytes, documents: Sequence[Document]) -> Names | None:
    try:
        code, state = marshal.loads(data)
        if code != _code() or not isinstance(state, tuple):
            return None
        return Names.from_state(documents, state)
    except (ValueError, EOFError, TypeError, LookupError, AttributeError):
        return None


def _code() -> str:
    """A hash of the code that makes the names' indexes: a snapshot is of that code only."""
    source = naming_code.__file__
    return hashlib.sha256(Path(source).read_bytes()).hexdigest() if source else ""
