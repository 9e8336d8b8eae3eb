"""Admins' changes to the corpus directory, without Telegram: preview, add, remove."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath
from typing import Literal

from bot.upkeep.sandbox import Parsed
from config.settings import BUNDLED_CORPUS
from retrieval.corpus import source_name
from retrieval.library import Library
from retrieval.listing import corpus_files

UPLOAD_SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".html")
MAX_PENDING = 8  # uploads waiting for 收录/取消 are held in memory: keep only the newest few


@dataclass(frozen=True, slots=True)
class Found:
    """A document found in an uploaded file."""

    title: str
    kind: str
    clauses: int
    merges: bool  # a document with this title is already in the library


@dataclass(frozen=True, slots=True)
class Preview:
    """What parsing an uploaded file found, before anything is written."""

    name: str
    found: tuple[Found, ...]
    warnings: tuple[str, ...]
    replaces: bool


@dataclass(frozen=True, slots=True)
class Pending:
    """An admin's change waiting for confirmation: a file to add or files to remove."""

    action: Literal["add", "remove"]
    user_id: int
    name: str
    data: bytes = b""
    files: tuple[str, ...] = ()


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def safe_name(raw: str | None) -> str:
    """A plain file name for the corpus directory: no directories, not hidden.

    Terminal escapes and invisible format characters (right-to-left overrides that make
    a .exe read as .pdf) are dropped: the name is shown to admins and written to logs.
    """
    name = PurePath(_ANSI.sub("", raw or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = name.replace("/", "").lstrip(". ")
    stem, suffix = os.path.splitext(name)
    return (stem[:80] or "upload") + suffix.lower()


def writable(corpus_dir: Path) -> bool:
    """Whether admins may write here: never the bundled seeds, and only a writable directory."""
    bundled = corpus_dir.resolve() == BUNDLED_CORPUS.resolve()
    return not bundled and corpus_dir.is_dir() and os.access(corpus_dir, os.W_OK)


def preview(name: str, parsed: Parsed, library: Library, corpus_dir: Path) -> Preview:
    """Say what an uploaded file holds, as parsed (bot/upkeep/sandbox.py), against the library."""
    titles = {d.title for d in library.documents}
    found = tuple(Found(t, k, n, t in titles) for t, k, n in parsed.documents)
    return Preview(name, found, parsed.problems, (corpus_dir / name).exists())


def remember(pending: dict[str, Pending], item: Pending) -> str:
    """Hold a change for confirmation; returns its short key for callback data."""
    key = secrets.token_hex(4)
    pending[key] = item
    for old in list(pending)[:-MAX_PENDING]:
        del pending[old]
    return key


def add_file(corpus_dir: Path, name: str, data: bytes, trash: Path, now: datetime) -> Path:
    """Write a file into the corpus atomically; a file it replaces goes to the trash first."""
    target = corpus_dir / name
    if target.exists():
        remove_files(corpus_dir, (name,), trash, now)
    partial = corpus_dir / f".{name}.{secrets.token_hex(4)}.part"
    try:
        partial.write_bytes(data)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def files_for(name: str, library: Library, corpus_dir: Path) -> tuple[list[str], list[str]]:
    """The corpus files a name means (a file's path in the corpus or its bare name, or a
    document's files) and their titles. Files in sub-folders count: the corpus is read
    recursively, and a document's sources are its files' paths inside the corpus."""
    names = [source_name(p, corpus_dir) for p in corpus_files(corpus_dir)]
    by_file = [n for n in names if n == name or n.rsplit("/", 1)[-1] == name]
    if by_file:
        files = by_file
    else:
        docs = library.resolve(name)
        files = (
            sorted({s for d in docs for s in d.sources if s in names}) if len(docs) == 1 else []
        )
    titles = [d.title for d in library.documents if set(d.sources) & set(files)]
    return files, titles


def remove_files(corpus_dir: Path, files: tuple[str, ...], trash: Path, now: datetime) -> None:
    """Move files out of the corpus into the trash directory, stamped, never deleting them."""
    trash.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    for name in files:
        source = corpus_dir / name
        if source.exists():
            # A sub-folder's file keeps its folder in the name: 经济法/x.md → stamp-经济法__x.md.
            shutil.move(source, trash / f"{stamp}-{name.replace('/', '__')}")
