"""Clauses kept as columns — a UTF-8 blob of texts and one small integer row a clause — and
made into `Clause` objects only when read, so a million cached clauses load without a
million objects. Written and read as .npy (memory-mapped) plus one JSON file, never pickle.
"""

from __future__ import annotations

import json
import operator
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, cast, get_args, overload

import numpy as np

from retrieval.model import Clause, ClauseKind, Document, PathStep, path_step
from retrieval.words.normalize import Folded, fold_for_search

KINDS: tuple[ClauseKind, ...] = get_args(ClauseKind)
# A clause's row: its document, ordinal, kind, and indexes into the tables of distinct paths,
# labels, headings (-1: none) and breadcrumbs a corpus repeats; then incomplete (0/1).
DOC, ORDINAL, KIND, PATH, LABEL, HEADING, CRUMBS, INCOMPLETE = range(8)
TABLES = "clause_tables.json"
ROWS, OFFSETS, TEXTS = "clause_rows.npy", "clause_offsets.npy", "clause_texts.npy"
FILES = (TABLES, ROWS, OFFSETS, TEXTS)
_BLOCK = 4096  # clauses made at once when iterating
_RECENT = 1 << 14  # clauses kept once made: a question reads its candidates several times


class ClauseTable(Sequence[Clause]):
    """The clauses in rows [start, end) of the columns; a slice of it is a tuple of clauses."""

    def __init__(
        self,
        columns: _Columns,
        start: int = 0,
        end: int | None = None,
    ) -> None:
        self.columns = columns
        self.start = start
        self.end = len(columns.rows) if end is None else end

    def span(self, start: int, end: int) -> ClauseTable:
        """The clauses in rows [start, end) of the same columns."""
        return ClauseTable(self.columns, start, end)

    def __len__(self) -> int:
        return self.end - self.start

    @overload
    def __getitem__(self, index: int) -> Clause: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Clause, ...]: ...
    def __getitem__(self, index: int | slice) -> Clause | tuple[Clause, ...]:
        if isinstance(index, slice):
            first, last, step = index.indices(len(self))
            if step == 1:
                return tuple(
                    self.columns.clauses(self.start + first, self.start + max(first, last))
                )
            return tuple(self[i] for i in range(first, last, step))
        position = operator.index(index)
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError("clause index out of range")
        return self.columns.clause(self.start + position)

    def __iter__(self) -> Iterator[Clause]:
        # A document's clauses at once; the whole corpus in blocks, never all in memory.
        for start in range(self.start, self.end, _BLOCK):
            yield from self.columns.clauses(start, min(start + _BLOCK, self.end))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"ClauseTable({len(self)} clauses)"

    def shapes(self) -> list[tuple[int, ClauseKind, tuple[PathStep, ...]]]:
        """(ordinal, kind, path) of each clause, in order, without a Clause."""
        rows = self.columns.rows[self.start : self.end][:, [ORDINAL, KIND, PATH]].tolist()
        paths = self.columns.paths
        return [(ordinal, KINDS[kind], paths[path]) for ordinal, kind, path in rows]

    def path(self, index: int) -> tuple[PathStep, ...]:
        """The numbering path of the clause at this index, without a Clause."""
        return self.columns.paths[int(self.columns.rows[self.start + index, PATH])]

    def chapters(self) -> tuple[str, ...]:
        """The distinct first breadcrumb entries in order (a card's chapters), without a Clause."""
        crumbs = self.columns.rows[self.start : self.end, CRUMBS]
        distinct, first = np.unique(crumbs, return_index=True)
        tables = self.columns.breadcrumbs
        ordered = (tables[c] for c in distinct[np.argsort(first)].tolist())
        return tuple(dict.fromkeys(names[0] for names in ordered if names))

    def fold(self, text: str) -> Folded:
        """`fold_for_search` of a text, read from the table when it was folded at write time
        (document names, headings, breadcrumbs), else folded now."""
        if text in self.columns.folded:
            return Folded(self.columns.folded[text] or text)
        return fold_for_search(text)

    def heading_groups(self) -> Iterator[tuple[tuple[str, ...], str | None, array[int]]]:
        """(breadcrumb, heading, positions in order) for each distinct pair, without a Clause."""
        rows = self.columns.rows[self.start : self.end]
        headings = rows[:, HEADING].astype(np.int64) + 1
        keys = rows[:, CRUMBS].astype(np.int64) * (len(self.columns.headings) + 1) + headings
        for positions in _groups(keys):
            first = rows[positions[0]]
            heading = int(first[HEADING])
            yield (
                self.columns.breadcrumbs[int(first[CRUMBS])],
                None if heading < 0 else self.columns.headings[heading],
                array("q", positions.astype(np.int64).tobytes()),
            )

    def containing(self, needle: str) -> tuple[Clause, ...]:
        """The clauses whose text holds `needle`, found in the texts' bytes read from their
        file (1,500 laws' 以下简称 are in one clause of a hundred: only those are made)."""
        columns = self.columns
        first, last = int(columns.offsets[self.start]), int(columns.offsets[self.end])
        wanted = needle.encode("utf-8")
        rows: list[int] = []
        for at in _found(columns, first, last, wanted):
            row = int(np.searchsorted(columns.offsets, at, side="right")) - 1
            if not rows or rows[-1] != row:
                rows.append(row)
        return tuple(columns.clause(row) for row in rows)

    def carrying(self) -> dict[PathStep, array[int]]:
        """Positions of the clauses whose path holds each (level, number), as `Numbers`
        indexes them (a level's outermost step counts), without a Clause."""
        chunks: dict[PathStep, list[np.ndarray[Any, Any]]] = defaultdict(list)
        for positions in _groups(self.columns.rows[self.start : self.end, PATH]):
            path = self.columns.paths[int(self.columns.rows[self.start + positions[0], PATH])]
            for step in dict(reversed(path)).items():
                chunks[step].append(positions)
        return {
            step: array("i", np.sort(np.concatenate(parts)).astype(np.int32).tobytes())
            for step, parts in chunks.items()
        }


class _Columns:
    """The arrays and tables behind a ClauseTable, shared by its spans."""

    def __init__(
        self,
        doc_ids: Sequence[str],
        rows: np.ndarray[Any, Any],
        offsets: np.ndarray[Any, Any],
        texts: np.ndarray[Any, Any],
        tables: dict[str, Any],
        source: Path | None = None,
    ) -> None:
        self.doc_ids = doc_ids
        self.source = source  # the texts' .npy file, when the columns were read from disk
        # Plain views of the memory maps: indexing a np.memmap costs more for nothing here.
        self.rows, self.offsets, self.texts = map(np.asarray, (rows, offsets, texts))
        self.paths: list[tuple[PathStep, ...]] = [
            tuple(path_step(str(level), int(n)) for level, n in path) for path in tables["paths"]
        ]
        self.labels: list[str] = [str(s) for s in tables["labels"]]
        self.headings: list[str] = [str(s) for s in tables["headings"]]
        self.breadcrumbs: list[tuple[str, ...]] = [
            tuple(map(str, crumbs)) for crumbs in tables["breadcrumbs"]
        ]
        self.folded: dict[str, str | None] = tables["folded"]
        if not all(isinstance(v, str | None) for v in self.folded.values()):
            raise ValueError("folded names of the wrong type")

        self.clause: Callable[[int], Clause] = lru_cache(maxsize=_RECENT)(self._one)

    def _one(self, row: int) -> Clause:
        return self.clauses(row, row + 1)[0]

    def clauses(self, start: int, end: int) -> list[Clause]:
        """The clauses of rows [start, end), made from one read of their rows and texts."""
        if start >= end:
            return []
        offsets = self.offsets[start : end + 1].tolist()
        base = offsets[0]
        texts = self.texts[base : offsets[-1]].tobytes()
        return [
            Clause(
                doc_id=self.doc_ids[doc],
                ordinal=ordinal,
                kind=KINDS[kind],
                path=self.paths[path],
                label=self.labels[label],
                heading=None if heading < 0 else self.headings[heading],
                text=texts[offsets[n] - base : offsets[n + 1] - base].decode("utf-8"),
                breadcrumb=self.breadcrumbs[crumbs],
                incomplete=bool(incomplete),
            )
            for n, (doc, ordinal, kind, path, label, heading, crumbs, incomplete) in enumerate(
                self.rows[start:end].tolist()
            )
        ]


def _found(columns: _Columns, first: int, last: int, wanted: bytes) -> Iterator[int]:
    """Where `wanted` starts in bytes [first, last) of the texts, read from the file in
    blocks (the memory map's pages would stay in the process's memory), or from the map."""
    if columns.source is None:
        blob = columns.texts[first:last].tobytes()
        at = blob.find(wanted)
        while at >= 0:
            yield first + at
            at = blob.find(wanted, at + 1)
        return
    overlap = len(wanted) - 1
    with columns.source.open("rb") as source:
        data_start = source.seek(0, 2) - len(columns.texts)
        for block in range(first, last, 1 << 22):
            source.seek(data_start + block)
            end = min(last, block + (1 << 22) + overlap)
            data = source.read(end - block)
            at = data.find(wanted)
            while at >= 0:
                if at < (1 << 22):  # a match in the overlap is the next block's
                    yield block + at
                at = data.find(wanted, at + 1)


def _groups(keys: np.ndarray[Any, Any]) -> Iterator[np.ndarray[Any, Any]]:
    """The positions of each distinct key, ascending, groups in order of first occurrence."""
    if not len(keys):
        return
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1))
    ends = np.append(starts[1:], len(order))
    # Slices rather than np.split (a Python call per group, 11,000 groups in the laws library),
    # in order of each group's first position (stable: a group starts with its first).
    by_first = np.argsort(order[starts], kind="stable")
    for start, end in zip(starts[by_first].tolist(), ends[by_first].tolist(), strict=True):
        yield order[start:end]


def write(directory: Path, documents: Sequence[Document]) -> None:
    """Write the documents' clauses as columns into `directory` (texts streamed, not joined)."""
    ids: dict[str, dict[Any, int]] = {
        name: {} for name in ("paths", "labels", "headings", "crumbs")
    }

    def number(table: str, value: Any) -> int:
        return ids[table].setdefault(value, len(ids[table]))

    count = sum(len(d.clauses) for d in documents)
    rows = np.zeros((count, 8), dtype=np.int32)
    offsets = np.zeros(count + 1, dtype=np.int64)
    row = 0
    for position, document in enumerate(documents):
        for clause in document.clauses:
            rows[row] = _row(position, clause, number)
            offsets[row + 1] = offsets[row] + len(clause.text.encode("utf-8"))
            row += 1
    np.save(directory / ROWS, rows, allow_pickle=False)
    np.save(directory / OFFSETS, offsets, allow_pickle=False)
    with (directory / TEXTS).open("wb") as out:
        header = {"descr": "|u1", "fortran_order": False, "shape": (int(offsets[-1]),)}
        np.lib.format.write_array_header_1_0(out, header)
        for document in documents:
            for clause in document.clauses:
                out.write(clause.text.encode("utf-8"))
    _write_tables(directory, documents, ids)


def write_spliced(directory: Path, documents: Sequence[Document]) -> None:
    """Write the columns of documents whose clauses are, each, a span of one old table kept
    as it is or new clauses: kept rows are copied (renumbered) and their texts copied from
    the old table's file by plain reads, so no page of the old columns is mapped in."""
    parts = [d.clauses for d in documents]
    old = next((p.columns for p in parts if isinstance(p, ClauseTable)), None)
    lists: tuple[Sequence[Any], ...] = (
        (old.paths, old.labels, old.headings, old.breadcrumbs) if old is not None else ((),) * 4
    )
    ids: dict[str, dict[Any, int]] = {
        name: {v: n for n, v in enumerate(values)}
        for name, values in zip(("paths", "labels", "headings", "crumbs"), lists, strict=True)
    }

    def number(table: str, value: Any) -> int:
        return ids[table].setdefault(value, len(ids[table]))

    count = sum(len(p) for p in parts)
    rows = np.zeros((count, 8), dtype=np.int32)
    sizes = np.zeros(count + 1, dtype=np.int64)
    row = 0
    for position, part in enumerate(parts):
        if isinstance(part, ClauseTable):
            if part.columns is not old:
                raise ValueError("kept clauses come from one table")
            rows[row : row + len(part)] = part.columns.rows[part.start : part.end]
            rows[row : row + len(part), DOC] = position
            sizes[row + 1 : row + 1 + len(part)] = np.diff(
                part.columns.offsets[part.start : part.end + 1]
            )
            row += len(part)
            continue
        for clause in part:
            rows[row] = _row(position, clause, number)
            sizes[row + 1] = len(clause.text.encode("utf-8"))
            row += 1
    offsets = np.cumsum(sizes)
    np.save(directory / ROWS, rows, allow_pickle=False)
    np.save(directory / OFFSETS, offsets, allow_pickle=False)
    with (directory / TEXTS).open("wb") as out:
        header = {"descr": "|u1", "fortran_order": False, "shape": (int(offsets[-1]),)}
        np.lib.format.write_array_header_1_0(out, header)
        _splice_texts(out, parts, old)
    _write_tables(directory, documents, ids)


def _write_tables(
    directory: Path, documents: Sequence[Document], ids: dict[str, dict[Any, int]]
) -> None:
    """The distinct paths, labels, headings and breadcrumbs the rows number, and their folds."""
    tables: dict[str, Callable[[], Any]] = {
        "paths": lambda: [[list(step) for step in path] for path in ids["paths"]],
        "labels": lambda: list(ids["labels"]),
        "headings": lambda: list(ids["headings"]),
        "breadcrumbs": lambda: [list(crumbs) for crumbs in ids["crumbs"]],
        "folded": lambda: _folds(documents, ids["headings"], ids["crumbs"]),
    }
    # json.dumps of the whole dict, a table at a time (the same text): a patch writes this
    # beside the library answering, and the whole text at once cost ~4 MB more there.
    with (directory / TABLES).open("w", encoding="utf-8") as out:
        for at, (name, table) in enumerate(tables.items()):
            out.write(f"{', ' if at else '{'}{json.dumps(name)}: ")
            out.write(json.dumps(table(), ensure_ascii=False))
        out.write("}")


def _row(position: int, clause: Clause, number: Callable[[str, Any], int]) -> tuple[int, ...]:
    """A clause's row of small integers: its document, ordinal, kind and table numbers."""
    return (
        position,
        clause.ordinal,
        KINDS.index(clause.kind),
        number("paths", clause.path),
        number("labels", clause.label),
        -1 if clause.heading is None else number("headings", clause.heading),
        number("crumbs", clause.breadcrumb),
        clause.incomplete,
    )


_COPY_BUFFER = 1 << 20


def _splice_texts(
    out: Any, parts: Sequence[ClauseTable | Sequence[Clause]], old: _Columns | None
) -> None:
    """The texts in order: kept spans read from the old file (neighbouring spans at once)."""
    if old is None or old.source is None:
        for part in parts:
            for clause in part:
                out.write(clause.text.encode("utf-8"))
        return
    # One buffer for all the copying: a patch runs beside the library answering, and
    # memory freed mid-process mostly stays with it (issue 25's 1.3×).
    buffer = memoryview(bytearray(_COPY_BUFFER))
    with old.source.open("rb", buffering=0) as source:
        data_start = source.seek(0, 2) - len(old.texts)  # .npy data ends the file
        pending: list[int] = []  # [first, last) bytes of the old texts not yet copied

        def flush() -> None:
            if pending:
                source.seek(data_start + pending[0])
                left = pending[1] - pending[0]
                while left:
                    read = source.readinto(buffer[: min(left, len(buffer))])
                    if not read:
                        raise ValueError("the old clause texts are shorter than their offsets")
                    out.write(buffer[:read])
                    left -= read
                pending.clear()

        for part in parts:
            if isinstance(part, ClauseTable):
                first = int(old.offsets[part.start])
                last = int(old.offsets[part.end])
                if pending and pending[1] == first:
                    pending[1] = last
                else:
                    flush()
                    pending[:] = [first, last]
                continue
            flush()
            for clause in part:
                out.write(clause.text.encode("utf-8"))
        flush()


def _folds(
    documents: Sequence[Document], headings: Iterable[str], crumbs: Iterable[tuple[str, ...]]
) -> dict[str, str | None]:
    """Document names, headings and breadcrumb entries folded (None: unchanged), so a start
    does not fold them again: zhconv over 25,000 names took 0.1 s of the big library's start."""
    texts = {n for d in documents for n in (*d.aliases, *d.derived, d.title, d.short)}
    texts.add("")  # a clause without a heading
    texts.update(headings)
    texts.update(entry for entries in crumbs for entry in entries)
    folded = {text: fold_for_search(text) for text in sorted(texts)}
    return {text: None if same == text else same for text, same in folded.items()}


def read(directory: Path, doc_ids: Sequence[str], sizes: Sequence[int]) -> list[ClauseTable]:
    """Each document's clauses from the columns in `directory`, memory-mapped; ValueError
    when the files do not fit the documents."""
    tables = json.loads((directory / TABLES).read_text(encoding="utf-8"))
    rows, offsets, texts = (
        np.load(directory / name, mmap_mode="r", allow_pickle=False)
        for name in (ROWS, OFFSETS, TEXTS)
    )
    count = sum(sizes)
    shaped = (
        all(size >= 0 for size in sizes)
        and rows.dtype == np.int32
        and rows.shape == (count, 8)
        and offsets.dtype == np.int64
        and offsets.shape == (count + 1,)
        and texts.dtype == np.uint8
        and texts.ndim == 1
        and (not count or int(offsets[-1]) == len(texts))
    )
    if not shaped:
        raise ValueError("clause columns do not fit the documents")
    columns = _Columns(
        doc_ids, rows, offsets, texts, cast(dict[str, Any], tables), directory / TEXTS
    )
    limits = {
        DOC: len(doc_ids),
        KIND: len(KINDS),
        PATH: len(columns.paths),
        LABEL: len(columns.labels),
        HEADING: len(columns.headings),
        CRUMBS: len(columns.breadcrumbs),
    }
    if count and any(
        int(rows[:, c].max()) >= limit or int(rows[:, c].min()) < (-1 if c == HEADING else 0)
        for c, limit in limits.items()
    ):
        raise ValueError("clause columns point outside their tables")
    spans, start = [], 0
    for size in sizes:
        spans.append(ClauseTable(columns, start, start + size))
        start += size
    return spans


def shared(documents: Sequence[Document]) -> ClauseTable | None:
    """The one table all documents' clauses are consecutive spans of, if they are."""
    if not documents or not all(isinstance(d.clauses, ClauseTable) for d in documents):
        return None
    spans = [cast(ClauseTable, d.clauses) for d in documents]
    columns = spans[0].columns
    start = 0
    for span in spans:
        if span.columns is not columns or span.start != start:
            return None
        start = span.end
    return ClauseTable(columns, 0, start) if start == len(columns.rows) else None


def chapters(clauses: Sequence[Clause]) -> tuple[str, ...]:
    """The distinct first breadcrumb entries of the clauses, in order; a table's from its
    columns, so a document card makes no clause."""
    if isinstance(clauses, ClauseTable):
        return clauses.chapters()
    return tuple(dict.fromkeys(c.breadcrumb[0] for c in clauses if c.breadcrumb))


def shapes(clauses: Sequence[Clause]) -> list[tuple[int, ClauseKind, tuple[PathStep, ...]]]:
    """(ordinal, kind, path) of each clause; a table's from its columns, making no clause."""
    if isinstance(clauses, ClauseTable):
        return clauses.shapes()
    return [(c.ordinal, c.kind, c.path) for c in clauses]


def path(clauses: Sequence[Clause], index: int) -> tuple[PathStep, ...]:
    """The numbering path of one clause; a table's from its columns, making no clause."""
    if isinstance(clauses, ClauseTable):
        return clauses.path(index)
    return clauses[index].path
