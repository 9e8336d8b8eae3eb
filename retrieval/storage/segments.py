"""Per-file index segments: what one corpus file contributes, computed once and kept.

A segment is a file's parse (its document copies and problems) and the index tokens of
every clause in it, counted (distinct terms in first-seen order, their frequencies, the
token count). It is keyed by a hash of the file's name and bytes, the lexicon and the
parser and tokenizer versions, and stored as one checksummed JSON file under the cache
directory, so a corpus change re-reads and re-segments only the files that changed; the
library is then the merge of all segments (retrieval/library.py), BM25 statistics
recomputed there. Segmenting is the slow part of a build (jieba over every clause), so a
first build spreads the files over worker processes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import multiprocessing
import os
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.corpus import read_file, source_name
from retrieval.documents.dedup import Copy
from retrieval.integrity import cache_directory, discard, intact, seal, sidecar
from retrieval.model import ClauseDraft, CorpusProblem, path_step, problem_kind
from retrieval.search.index import index_text
from retrieval.words.tokenize import Lexicon, Tokenizer

FORMAT = "policybot-segment-2"  # 2: corpus problems with their kind
FOLDER = "segments"
# Below this many files to segment, worker processes cost more to start than they save.
MIN_PARALLEL_FILES = 16


@dataclass(frozen=True, slots=True)
class Counts:
    """A clause text's index tokens, counted: distinct terms in first-seen order."""

    terms: tuple[str, ...]
    tfs: tuple[int, ...]
    length: int

    @classmethod
    def of(cls, tokens: Sequence[str]) -> Counts:
        counted = Counter(tokens)
        return cls(tuple(map(sys.intern, counted)), tuple(counted.values()), len(tokens))

    def __reduce__(self) -> tuple[Any, ...]:
        # Terms interned where unpickled too (a worker's segments arriving): one string a
        # term, not one a posting — 2.4M postings of the big library were ~190 MB of
        # strings in the building process, most of its peak.
        return (_interned, (self.terms, self.tfs, self.length))


def _interned(terms: tuple[str, ...], tfs: tuple[int, ...], length: int) -> Counts:
    return Counts(tuple(map(sys.intern, terms)), tfs, length)


@dataclass(frozen=True, slots=True)
class Segment:
    """One corpus file's copies, problems and the counted tokens of its clause texts."""

    key: str
    source: str
    copies: tuple[Copy, ...]
    problems: tuple[CorpusProblem, ...]
    counts: tuple[Counts, ...]  # one per clause draft, copies in order

    def texts(self) -> Iterable[tuple[str, Counts]]:
        """(index text, counts) of every clause draft of the file."""
        drafts = (d for copy in self.copies for d in copy.clauses)
        return zip((_text(d) for d in drafts), self.counts, strict=True)


@dataclass(frozen=True, slots=True)
class Segmented:
    """A corpus's segments in file order, and how many files were segmented (not stored)."""

    segments: tuple[Segment, ...]
    segmented: int


def lexicon_digest(lexicon_dir: Path, versions: str) -> bytes:
    """A hash of what shapes every segment: format, versions and the lexicon files."""
    digest = hashlib.sha256(f"{FORMAT}\n{versions}\n".encode())
    for path in sorted(p for p in lexicon_dir.iterdir() if p.is_file()):
        digest.update(f"lexicon {path.name}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


def segment_key(base: bytes, name: str, data: bytes | None) -> str:
    """The key of one file's segment: its name and bytes under the lexicon's digest."""
    digest = hashlib.sha256(base)
    digest.update(f"\n{name}\n".encode())
    digest.update(hashlib.sha256(data).digest() if data is not None else b"unreadable")
    return digest.hexdigest()


def segment_file(path: Path, name: str, key: str, tokenizer: Tokenizer) -> Segment:
    """Parse one file and count the index tokens of each of its clauses."""
    copies, problems = read_file(path, name)
    counts = tuple(Counts.of(tokenizer.tokens(_text(d))) for copy in copies for d in copy.clauses)
    return Segment(key, name, tuple(copies), tuple(problems), counts)


def segment_corpus(
    corpus_dir: Path,
    files: Sequence[Path],
    tokenizer: Tokenizer,
    lexicon_dir: Path,
    versions: str,
    store: Path | None = None,
    workers: int | None = None,
) -> Segmented:
    """Every file's segment: from `store` when kept there, else segmented (and stored)."""
    names = [source_name(p, corpus_dir) for p in files]
    keys = keys_of(files, names, lexicon_dir, versions)
    found: dict[int, Segment] = {}
    if store is not None:
        for at, key in enumerate(keys):
            kept = load(store, key, names[at])
            if kept is not None:
                found[at] = kept
    missing = [at for at in range(len(files)) if at not in found]
    jobs = [(files[at], names[at], keys[at]) for at in missing]
    if store is not None and jobs:
        with contextlib.suppress(OSError):  # made here once, not raced for by the workers
            cache_directory(store)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers > 1 and len(jobs) >= MIN_PARALLEL_FILES:
        made = _in_workers(jobs, tokenizer, workers, store)
    else:
        made = [_segment_and_keep(job, tokenizer, store) for job in jobs]
    for at, segment in zip(missing, made, strict=True):
        found[at] = segment
    return Segmented(tuple(found[at] for at in range(len(files))), len(jobs))


def _segment_and_keep(
    job: tuple[Path, str, str], tokenizer: Tokenizer, store: Path | None
) -> Segment:
    """Segment one file and store the segment (by the worker: the writes run in parallel)."""
    segment = segment_file(*job, tokenizer)
    if store is not None:
        with contextlib.suppress(OSError):  # a read-only data dir only costs a re-segment
            save(store, segment)
    return segment


def keys_of(
    files: Sequence[Path], names: Sequence[str], lexicon_dir: Path, versions: str
) -> list[str]:
    """The segment key of each file (named as in the corpus)."""
    base = lexicon_digest(lexicon_dir, versions)
    return [segment_key(base, n, _bytes(p)) for p, n in zip(files, names, strict=True)]


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


# --- worker processes --------------------------------------------------------------

_worker_tokenizer: Tokenizer | None = None


def _start_worker(lexicon: Lexicon | None, work_dir: Path | None) -> None:
    global _worker_tokenizer
    if lexicon is not None:  # spawned: load the dictionary; forked: the parent's is here
        _worker_tokenizer = Tokenizer(lexicon, work_dir)
    if _worker_tokenizer is not None:  # a worker segments many files: worth its import
        _worker_tokenizer.accelerate()


def _work(job: tuple[Path, str, str], store: Path | None) -> Segment:
    assert _worker_tokenizer is not None
    return _segment_and_keep(job, _worker_tokenizer, store)


def _in_workers(
    jobs: list[tuple[Path, str, str]], tokenizer: Tokenizer, workers: int, store: Path | None
) -> list[Segment]:
    """Segment files in `workers` processes, largest files first so none is left last.

    Forked while the process runs one thread (the CLI, a first build): the workers start
    with the tokenizer already loaded. Spawned otherwise: the bot re-indexes from a thread,
    and a fork would copy whatever lock another thread holds at that moment.
    """
    global _worker_tokenizer
    order = sorted(range(len(jobs)), key=lambda at: -_size(jobs[at][0]))
    forked = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if forked else "spawn")
    setup = (None, None) if forked else (tokenizer.lexicon, tokenizer.work_dir)
    _worker_tokenizer = tokenizer if forked else None
    try:
        with context.Pool(workers, _start_worker, setup) as pool:
            work = functools.partial(_work, store=store)
            made = pool.map(work, [jobs[at] for at in order], chunksize=4)
    finally:
        _worker_tokenizer = None
    out: list[Segment | None] = [None] * len(jobs)
    for at, segment in zip(order, made, strict=True):
        out[at] = segment
    return [s for s in out if s is not None]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# --- storage: one checksummed JSON file a segment, never pickle ----------------------


def save(store: Path, segment: Segment) -> None:
    """Write a segment under its key (atomically: a reader never sees half a file)."""
    cache_directory(store)
    vocab: dict[str, int] = {}
    counts = []
    for c in segment.counts:
        row = [c.length]
        for term, tf in zip(c.terms, c.tfs, strict=True):
            row += (vocab.setdefault(term, len(vocab)), tf)
        counts.append(row)
    data = {
        "format": FORMAT,
        "key": segment.key,
        "source": segment.source,
        "copies": [_copy_json(c) for c in segment.copies],
        "problems": [[p.source, p.kind, p.message] for p in segment.problems],
        "vocab": list(vocab),
        "counts": counts,
    }
    path = store / f"{segment.key}.json"
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)
    seal(path)


def load(store: Path, key: str, source: str) -> Segment | None:
    """The stored segment for `key`; None when missing, and removed when damaged."""
    path = store / f"{key}.json"
    if not path.exists():
        return None
    if not intact(path):
        discard(path, "checksum mismatch or missing")
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["format"] != FORMAT or data["key"] != key or data["source"] != source:
            raise ValueError("another segment")
        vocab = [sys.intern(term) for term in data["vocab"]]  # one string a term (Counts)
        counts = tuple(
            Counts(
                tuple(vocab[t] for t in row[1::2]), tuple(int(f) for f in row[2::2]), int(row[0])
            )
            for row in data["counts"]
        )
        copies = tuple(_copy(c) for c in data["copies"])
        if len(counts) != sum(len(c.clauses) for c in copies):
            raise ValueError("counts do not match the clauses")
        problems = tuple(
            CorpusProblem(str(s), problem_kind(str(k)), str(m)) for s, k, m in data["problems"]
        )
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        discard(path, "unreadable or inconsistent")
        return None
    return Segment(key, source, copies, problems, counts)


def prune(store: Path, keep: Iterable[str]) -> None:
    """Remove stored segments of files no longer in the corpus (or no longer this way)."""
    kept = {f"{key}.json" for key in keep}
    if not store.is_dir():
        return
    for path in store.glob("*.json"):
        if path.name not in kept:
            with contextlib.suppress(OSError):
                path.unlink()
                sidecar(path).unlink(missing_ok=True)


def _text(draft: ClauseDraft) -> str:
    return index_text(draft)  # a clause is searched by its draft's heading and text


def _copy_json(copy: Copy) -> dict[str, Any]:
    return {
        "title": copy.title,
        "kind": copy.kind,
        "continuous": copy.continuous,
        "source": copy.source,
        "author": copy.author,
        "edition": copy.edition,
        "clauses": [
            [
                d.kind,
                [list(s) for s in d.path],
                d.label,
                d.heading,
                d.text,
                list(d.breadcrumb),
                d.incomplete,
            ]
            for d in copy.clauses
        ],
    }


def _copy(data: dict[str, Any]) -> Copy:
    clauses = tuple(
        ClauseDraft(
            kind=kind,
            path=tuple(path_step(str(level), int(n)) for level, n in path),
            label=label,
            heading=heading,
            text=text,
            breadcrumb=tuple(breadcrumb),
            incomplete=bool(incomplete),
        )
        for kind, path, label, heading, text, breadcrumb, incomplete in data["clauses"]
    )
    return Copy(
        title=data["title"],
        kind=data["kind"],
        continuous=bool(data["continuous"]),
        clauses=clauses,
        source=data["source"],
        author=data["author"],
        edition=data["edition"],
    )
