"""On-disk cache of the parsed library and its index: JSON and .npy, never pickle.

Documents are one JSON line each; their clauses are columns (clause_table.py) and the
index is arrays, both memory-mapped on load, so loading a million clauses creates no million
objects.

The key hashes every corpus file's bytes, the lexicon files and the tokenizer version, so
any change to a file — added, edited or removed — rebuilds the whole cache, correctly. Each
file carries a checksum (integrity.py); a cache that fails it, fails to load or is
inconsistent is removed with one warning and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from retrieval.integrity import cache_directory, discard, intact, seal, verified_bytes
from retrieval.model import Clause, CorpusProblem, Document, problem_kind
from retrieval.search.bm25 import SparseBM25
from retrieval.search.patching import Patched
from retrieval.storage import clause_table
from retrieval.words.normalize import FOLD_VERSION

# 7: editions, sub-folders; 8: titles without 中华人民共和国; 9: corpus problems with their kind;
# 10: names and headings folded
FORMAT = "policybot-cache-10"
# The index's arrays, one .npy each: memory-mapped on load, so a page is read (and counts in
# the process's memory) only when a question touches the postings on it.
ARRAYS = {"idf": np.float64, "indptr": np.int64, "docs": np.int32, "weights": np.float64}
STAMPS = "corpus-stamps.json"  # the corpus files' stamps and hashes (cache_key)
STAMPS_FORMAT = "1"
_SETTLE_NS = 2_000_000_000
FILES = ("library.jsonl", *clause_table.FILES, *(f"{name}.npy" for name in ARRAYS))
# What patching the library for a changed corpus reads (retrieval/patch.py), checked and
# read only then: a warm start never opens them.
PATCH_ARRAYS = {"tfs": np.uint16, "ranks": np.uint16, "lengths": np.int32}
SOURCES = "sources.json"
SOURCES_FORMAT = "policybot-sources-1"
PATCH_FILES = (SOURCES, *(f"{name}.npy" for name in PATCH_ARRAYS))


@dataclass(frozen=True, slots=True)
class Sources:
    """Each corpus file's segment key in corpus order, and how many of the library's
    problems came from reading files, from merging copies and from the screen, in that order
    (a patch replaces a changed file's problems in each part)."""

    files: tuple[tuple[str, str], ...]
    parts: tuple[int, int, int]


def cache_key(
    corpus_files: list[Path], lexicon_dir: Path, tokenizer_version: str, stamps: Path | None = None
) -> str:
    """A hash of everything the library is built from.

    With `stamps` (a file in the cache directory), a corpus file whose size, modification and
    change times and inode are those recorded there is not read again: its recorded hash is
    used (hashing the big library's 27 MB took 35 ms of each start). Any write to a file
    moves its change time, which no program can set back, so a changed file is read again.
    """
    digest = hashlib.sha256(f"{FORMAT}\n{tokenizer_version}\n{FOLD_VERSION}\n".encode())
    for path in sorted(p for p in lexicon_dir.iterdir() if p.is_file()):
        digest.update(f"lexicon {path.name}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    known = _read_stamps(stamps) if stamps is not None else {}
    kept: dict[str, list[Any]] = {}
    # Times within this margin of now may still move within the file system's timestamp
    # granularity (the "racily clean" files of git's index): such files are hashed again.
    settled = time.time_ns() - _SETTLE_NS
    for path in corpus_files:
        digest.update(f"corpus {path.name}\n".encode())
        try:
            digest.update(_file_hash(path, known, kept, settled))
        except OSError:
            digest.update(b"unreadable")
    if stamps is not None and kept != known:
        with contextlib.suppress(OSError):  # a read-only cache only costs the reads again
            _write_stamps(stamps, kept)
    return digest.hexdigest()


def _file_hash(
    path: Path, known: dict[str, list[Any]], kept: dict[str, list[Any]], settled: int
) -> bytes:
    """The SHA-256 of a corpus file, from `known` when its stamp is unchanged; a settled
    file's stamp and hash go into `kept`."""
    info = path.stat()
    stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]
    name = str(path)
    recorded = known.get(name)
    if recorded is not None and recorded[:5] == stamp:
        kept[name] = recorded
        return bytes.fromhex(recorded[5])
    hashed = hashlib.sha256(path.read_bytes()).digest()
    if max(info.st_mtime_ns, info.st_ctime_ns) < settled and _unchanged(path, stamp):
        kept[name] = [*stamp, hashed.hex()]
    return hashed


def _unchanged(path: Path, stamp: list[int]) -> bool:
    """Whether a file still has the stamp taken before it was read (no write meanwhile)."""
    info = path.stat()
    return stamp == [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def _read_stamps(path: Path) -> dict[str, list[Any]]:
    """The recorded stamps; none when the file is missing or damaged (it is rewritten)."""
    data = verified_bytes(path)
    if data is None:
        return {}
    try:
        stamps = json.loads(data)
    except ValueError:
        return {}
    if not isinstance(stamps, dict) or stamps.get("format") != STAMPS_FORMAT:
        return {}
    files = stamps.get("files")
    if not isinstance(files, dict):
        return {}
    valid = all(
        isinstance(v, list) and len(v) == 6 and isinstance(v[5], str) for v in files.values()
    )
    return cast(dict[str, list[Any]], files) if valid else {}


def _write_stamps(path: Path, files: dict[str, list[Any]]) -> None:
    cache_directory(path.parent)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    partial.write_text(json.dumps({"format": STAMPS_FORMAT, "files": files}), encoding="utf-8")
    partial.replace(path)
    seal(path)


def save(
    directory: Path,
    key: str,
    documents: tuple[Document, ...],
    problems: tuple[CorpusProblem, ...],
    index: SparseBM25 | Patched,
    sources: Sources | None = None,
    columns: Callable[[Path], None] | None = None,
) -> None:
    """Write the cache for `key` atomically and drop older caches; with `sources` (and an
    index that keeps term frequencies), what a patch needs too. `columns` writes the clause
    columns into a directory when they are not the documents' own (a patch's splice); a
    patched index's postings are written as they are made (never all in memory)."""
    cache_directory(directory)
    target = directory / key
    partial = directory / f".{key}.{os.getpid()}.tmp"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    header = {
        "format": FORMAT,
        "key": key,
        "documents": len(documents),
        "problems": [[p.source, p.kind, p.message] for p in problems],
        "vocab": sorted(index.vocab, key=index.vocab.__getitem__),
        "doc_count": index.doc_count,
    }
    # JSON Lines, a document a line (its clauses counted; they are in the columns).
    with (partial / "library.jsonl").open("w", encoding="utf-8") as out:
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for document in documents:
            out.write(json.dumps(_document_json(document), ensure_ascii=False) + "\n")
    if columns is not None:
        columns(partial)
    else:
        clause_table.write(partial, documents)
    if isinstance(index, Patched):
        _write_patched(partial, index)
    else:
        for name, kind in ARRAYS.items():
            array = np.ascontiguousarray(getattr(index, name), dtype=kind)
            np.save(partial / f"{name}.npy", array, allow_pickle=False)
    for name in FILES:
        seal(partial / name)
    patchable = isinstance(index, Patched) or all(
        getattr(index, n) is not None for n in PATCH_ARRAYS
    )
    if sources is not None and patchable:
        _save_sources(partial, sources, index)
    shutil.rmtree(target, ignore_errors=True)
    partial.replace(target)
    # Only older library caches (named by their 64-digit key) go: embeddings/ lives here too.
    for old in directory.iterdir():
        stale = old.name != key and len(old.name) == 64 and not old.name.startswith(".")
        if stale and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def load(
    directory: Path, key: str
) -> tuple[tuple[Document, ...], tuple[CorpusProblem, ...], SparseBM25] | None:
    """The cached library for `key`; None when missing, and removed when damaged."""
    target = directory / key
    if not target.exists():
        return None
    damaged = next((name for name in FILES if not intact(target / name)), None)
    if damaged is not None:
        discard(target, f"{damaged}: checksum mismatch or missing")
        return None
    try:
        loaded = _read(target, key)
    except (
        OSError,
        ValueError,
        LookupError,
        TypeError,
        AttributeError,
        EOFError,
        StopIteration,
        zipfile.BadZipFile,
    ):  # what a file of the wrong shape raises while parsed
        loaded = None
    if loaded is None:
        discard(target, "unreadable or inconsistent")
    return loaded


def _read(
    target: Path, key: str
) -> tuple[tuple[Document, ...], tuple[CorpusProblem, ...], SparseBM25] | None:
    with (target / "library.jsonl").open(encoding="utf-8") as lines:
        payload = json.loads(next(lines))
        if payload.get("format") != FORMAT or payload.get("key") != key:
            return None
        rows = [json.loads(line) for line in lines]
    if len(rows) != payload["documents"]:
        return None
    sizes = [int(row["clauses"]) for row in rows]
    spans = clause_table.read(target, [row["doc_id"] for row in rows], sizes)
    # Each document made once, with its clauses (a `replace` a document cost 10 ms here).
    documents = tuple(_document(row, span) for row, span in zip(rows, spans, strict=True))
    arrays = {
        name: np.load(target / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in ARRAYS
    }
    if any(arrays[name].dtype != kind or arrays[name].ndim != 1 for name, kind in ARRAYS.items()):
        return None
    index = SparseBM25(
        vocab={term: n for n, term in enumerate(payload["vocab"])},
        idf=arrays["idf"],
        indptr=arrays["indptr"],
        docs=arrays["docs"],
        weights=arrays["weights"],
        doc_count=int(payload["doc_count"]),
    )
    problems = tuple(
        CorpusProblem(str(s), problem_kind(str(k)), str(m)) for s, k, m in payload["problems"]
    )
    clauses = sum(len(d.clauses) for d in documents)
    consistent = (
        len(index.indptr) == len(index.vocab) + 1 == len(index.idf) + 1
        and len(index.docs) == len(index.weights) == int(index.indptr[-1])
        and index.doc_count == clauses
        and (not len(index.docs) or int(index.docs.max()) < clauses)
    )
    return (documents, problems, index) if consistent else None


# A patched index's arrays made a block at a time (the others are in memory).
_STREAMED = {"docs": np.int32, "weights": np.float64, "tfs": np.uint16, "ranks": np.uint16}


def _write_patched(target: Path, index: Patched) -> None:
    """A patched index's arrays, the postings written block by block as they are made."""
    for name in ("idf", "indptr", "lengths"):
        np.save(target / f"{name}.npy", getattr(index, name), allow_pickle=False)
    with contextlib.ExitStack() as stack:
        outs = {
            name: stack.enter_context((target / f"{name}.npy").open("wb")) for name in _STREAMED
        }
        for name, out in outs.items():
            header = {
                "descr": np.lib.format.dtype_to_descr(np.dtype(_STREAMED[name])),
                "fortran_order": False,
                "shape": (index.postings,),
            }
            np.lib.format.write_array_header_1_0(out, header)
        written = 0
        for block in index.blocks():
            for name, out in outs.items():
                out.write(np.ascontiguousarray(getattr(block, name), _STREAMED[name]).data)
            written += len(block.docs)
    if written != index.postings:
        raise ValueError("a patched index made other postings than it counted")


def _save_sources(target: Path, sources: Sources, index: SparseBM25 | Patched) -> None:
    data = {
        "format": SOURCES_FORMAT,
        "files": [list(f) for f in sources.files],
        "parts": sources.parts,
    }
    (target / SOURCES).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    if isinstance(index, SparseBM25):  # a patched index's were written with the others
        for name, kind in PATCH_ARRAYS.items():
            array = np.ascontiguousarray(getattr(index, name), dtype=kind)
            np.save(target / f"{name}.npy", array, allow_pickle=False)
    for name in PATCH_FILES:
        seal(target / name)


def load_sources(
    directory: Path, key: str, index: SparseBM25
) -> tuple[Sources, SparseBM25] | None:
    """The sources of the cache for `key` and its index with the arrays a patch reads
    (memory-mapped); None when the cache keeps none or they are damaged or do not fit."""
    target = directory / key
    if not all(intact(target / name) for name in PATCH_FILES):
        return None
    try:
        data = json.loads((target / SOURCES).read_text(encoding="utf-8"))
        if data["format"] != SOURCES_FORMAT:
            return None
        sources = Sources(
            tuple((str(name), str(segment)) for name, segment in data["files"]),
            (int(data["parts"][0]), int(data["parts"][1]), int(data["parts"][2])),
        )
        arrays = {
            name: np.load(target / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            for name in PATCH_ARRAYS
        }
    except (OSError, ValueError, LookupError, TypeError, zipfile.BadZipFile):
        return None
    shaped = all(arrays[n].dtype == kind for n, kind in PATCH_ARRAYS.items()) and (
        len(arrays["tfs"]) == len(arrays["ranks"]) == len(index.docs)
        and len(arrays["lengths"]) == index.doc_count
    )
    return (sources, replace(index, **arrays)) if shaped else None


def reopened(
    directory: Path, key: str, documents: Sequence[Document], vocab: dict[str, int], count: int
) -> tuple[tuple[Document, ...], SparseBM25]:
    """The documents and index just saved for `key`, their clauses and arrays memory-mapped
    from it (what loading the cache gives, without reading its JSON again)."""
    target = directory / key
    spans = clause_table.read(
        target, [d.doc_id for d in documents], [len(d.clauses) for d in documents]
    )
    arrays = {
        name: np.load(target / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in ARRAYS
    }
    mapped = SparseBM25(vocab=vocab, doc_count=count, **arrays)
    return tuple(replace(d, clauses=s) for d, s in zip(documents, spans, strict=True)), mapped


Loaded = tuple[tuple[Document, ...], tuple[CorpusProblem, ...], SparseBM25]


@dataclass(frozen=True, slots=True)
class Held:
    """A library in memory and the key of the cache it was loaded from or saved as: what a
    patch for the next change starts from (retrieval/patch.py)."""

    key: str
    library: Loaded


def newest(directory: Path, other_than: str) -> str | None:
    """The key of the newest library cache in the directory but `other_than`'s."""
    if not directory.is_dir():
        return None
    found = [
        p
        for p in directory.iterdir()
        if p.is_dir() and not p.name.startswith(".") and len(p.name) == 64 and p.name != other_than
    ]
    return max(found, key=lambda p: p.stat().st_mtime).name if found else None


def _document_json(doc: Document) -> dict[str, Any]:
    # The fields by name, not asdict: asdict deep-copies every tuple (0.1 s for 1,500 laws).
    data: dict[str, Any] = {f.name: getattr(doc, f.name) for f in fields(doc)}
    data["clauses"] = len(doc.clauses)
    return data


def _document(data: dict[str, Any], clauses: Sequence[Clause]) -> Document:
    """A document from its JSON and its clauses."""
    return Document(
        doc_id=data["doc_id"],
        title=data["title"],
        kind=data["kind"],
        clauses=clauses,
        sources=tuple(data["sources"]),
        author=data["author"],
        aliases=tuple(data["aliases"]),
        continuous_sections=bool(data["continuous_sections"]),
        short=data.get("short", ""),
        edition=data.get("edition", ""),
        superseded=bool(data.get("superseded", False)),
        derived=tuple(data.get("derived", ())),
    )


def load_latest(
    directory: Path,
) -> tuple[tuple[Document, ...], tuple[CorpusProblem, ...], SparseBM25] | None:
    """The newest loadable cache in the directory, whatever corpus it was built from."""
    if not directory.is_dir():
        return None
    candidates = [
        p
        for p in directory.iterdir()
        if p.is_dir() and not p.name.startswith(".") and len(p.name) == 64
    ]
    for candidate in sorted(candidates, key=lambda p: p.stat().st_mtime, reverse=True):
        loaded = load(directory, candidate.name)
        if loaded is not None:
            return loaded
    return None
