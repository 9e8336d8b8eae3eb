"""Which files of a corpus directory are read: apart from `corpus.py`, so a start from the
cache lists the corpus without importing the parsers."""

from __future__ import annotations

import os
from pathlib import Path


def _skipped(name: str) -> bool:
    return name.startswith(".") or name.upper().startswith("README")


def corpus_files(directory: Path) -> list[Path]:
    """The files of a corpus directory and its sub-folders (行政法规/, 部门规章/…) in path
    order; hidden files and folders and README files excluded, symlinks never followed out."""
    if not directory.is_dir():
        return []
    root = directory.resolve()
    found: list[tuple[str, Path]] = []  # (path inside the corpus, path)
    # os.walk's order of visits and rules (a symlinked folder is listed, never entered), but
    # from the directory entries' own types: a stat per file and per-file Path parsing took
    # 50 ms of each start of a 1,500-file corpus. An unlistable folder raises, as the
    # corpus directory itself does.
    folders = [(directory, "")]
    while folders:
        folder, inside = folders.pop()
        with os.scandir(folder) as entries:
            listed = list(entries)
        for entry in listed:
            if _is_dir(entry):
                if not entry.name.startswith(".") and not entry.is_symlink():
                    folders.append((folder / entry.name, f"{inside}{entry.name}/"))
                continue
            if _skipped(entry.name) or not _is_file(entry):
                continue
            path = folder / entry.name
            if entry.is_symlink() and not path.resolve().is_relative_to(root):
                continue
            found.append((inside + entry.name, path))
    found.sort(key=lambda pair: pair[0])
    return [path for _, path in found]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False
