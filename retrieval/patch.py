"""A library cache patched for a few changed corpus files instead of merged again.

The previous cache keeps each corpus file's segment key, its index's term frequencies and
ranks (`storage/cache.py` Sources). When a few files were added, changed or removed, only
those are segmented; their documents replace the old ones in the document list (where
their files sort), the unchanged documents' clauses are copied as columns, never made into
objects, the BM25 arrays are patched with numpy (`search/patching.py`), every document is
named again (names depend on each other) and the result is written as the cache for the new
corpus, which the library then loads as any cache. The outcome is what a full merge of the
same files gives, array for array (tests/integration/test_segments.py).

A change that reaches unchanged documents — a copy of a document another file also holds,
an edition of a title other files carry, an id another document shares, a new problem from
merging copies or from the screen — is left to the full merge: None.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from retrieval.corpus import assemble, base_id, first_aliases, source_name
from retrieval.documents.catalog import CatalogEntry, load_catalog
from retrieval.documents.dedup import title_key
from retrieval.documents.naming import defined_names, english_titles, name_documents
from retrieval.integrity import sidecar
from retrieval.model import Clause, CorpusProblem, Document
from retrieval.search.index import index_text
from retrieval.search.patching import Added, patch
from retrieval.search.screen import screen
from retrieval.storage import cache, clause_table, segments
from retrieval.words.tokenize import Tokenizer

# Beyond this share of the corpus's files (and at least this many), a change is merged.
MAX_CHANGED_SHARE = 0.05
MIN_CHANGED_FILES = 8
_DEFINES = "以下简称"  # what naming.defined_names looks for in a clause


def patch_cache(
    cache_dir: Path,
    key: str,
    corpus_dir: Path,
    files: Sequence[Path],
    lexicon_dir: Path,
    versions: str,
    tokenizer: Tokenizer,
    workers: int | None = None,
    expander: Callable[[str], Path] | None = None,
    held: cache.Held | None = None,
) -> Attempt:
    """Write the cache for `key` from the newest other cache and the changed files'
    segments; whether it was written and how many files were segmented (kept as
    segments for the full merge when it was not).
    `expander` names a cache's expander file: the old one is carried over when the
    dictionary words did not change. `held`: the library of the newest cache, in memory
    (the one answering), so that cache is not read again."""
    old_key = cache.newest(cache_dir, key)
    if old_key is None:
        return Attempt(False, 0)
    loaded = held.library if held is not None and held.key == old_key else None
    loaded = loaded or cache.load(cache_dir, old_key)
    if loaded is None:
        return Attempt(False, 0)
    documents, problems, index = loaded
    kept = cache.load_sources(cache_dir, old_key, index)
    if kept is None:
        return Attempt(False, 0)
    sources, index = kept
    names = [source_name(p, corpus_dir) for p in files]
    keys = segments.keys_of(files, names, lexicon_dir, versions)
    before = dict(sources.files)
    touched = {n for n, k in zip(names, keys, strict=True) if before.get(n) != k}
    touched |= before.keys() - set(names)
    limit = max(MIN_CHANGED_FILES, MAX_CHANGED_SHARE * len(files))
    if not touched or len(touched) > limit:
        return Attempt(False, 0)
    store = cache_dir / segments.FOLDER
    changed = [p for p, n in zip(files, names, strict=True) if n in touched]
    found = segments.segment_corpus(
        corpus_dir, changed, tokenizer, lexicon_dir, versions, store, workers
    )
    spliced = _splice(
        documents, problems, sources, found.segments, names, touched, lexicon_dir, tokenizer
    )
    if spliced is None:
        return Attempt(False, found.segmented)
    new_documents, new_problems, parts, renumber, added = spliced
    count = sum(len(d.clauses) for d in new_documents)
    new_index = patch(index, renumber, added, count)  # its postings made as they are written
    cache.save(
        cache_dir,
        key,
        new_documents,
        new_problems,
        new_index,
        cache.Sources(tuple(zip(names, keys, strict=True)), parts),
        lambda directory: clause_table.write_spliced(directory, new_documents),
    )
    segments.prune(store, keys)
    same_words = _same_words(index.vocab, new_index.vocab, tokenizer)
    if expander is not None and same_words:
        _carry_expander(expander(old_key), expander(key))
    # The arrays just written are read back memory-mapped: the ones computed go first.
    vocab, count = new_index.vocab, new_index.doc_count
    del new_index, index, loaded, kept  # and the old arrays this patch read
    mapped, mapped_index = cache.reopened(cache_dir, key, new_documents, vocab, count)
    library = (mapped, new_problems, mapped_index)
    return Attempt(True, found.segmented, library, same_words, old_key, frozenset(touched))


Loaded = cache.Loaded


@dataclass(frozen=True, slots=True)
class Attempt:
    """Whether a patch wrote the new cache, how many files it segmented, and the patched
    library (its clauses and index memory-mapped from the new cache)."""

    written: bool
    segmented: int
    library: Loaded | None = None
    same_words: bool = False  # the old library's expander serves this one
    base: str = ""  # the key of the cache patched
    touched: frozenset[str] = frozenset()  # the corpus files added, changed or removed


def _same_words(before: dict[str, int], after: dict[str, int], tokenizer: Tokenizer) -> bool:
    """Whether two vocabularies hold the same dictionary words (what the expander is built
    from): no such word among the terms one has and the other has not."""
    gone = [t for t in before if t not in after]
    new = [t for t in after if t not in before]
    return not any(w for w in tokenizer.known([*gone, *new]))


def _carry_expander(old: Path, new: Path) -> None:
    """Copy the old cache's expander for the new one (same dictionary words, so the same
    tables: the expander is a function of those alone, words.expansion)."""
    if not old.is_file() or new.exists():
        return
    with contextlib.suppress(OSError):  # without it, the library builds its expander
        shutil.copyfile(old, new)
        shutil.copyfile(sidecar(old), sidecar(new))


Spliced = tuple[
    tuple[Document, ...],
    tuple[CorpusProblem, ...],
    tuple[int, int, int],
    "np.ndarray[tuple[int], np.dtype[np.int64]]",
    list[Added],
]


def _splice(
    documents: tuple[Document, ...],
    problems: tuple[CorpusProblem, ...],
    sources: cache.Sources,
    parts: Sequence[segments.Segment],
    names: list[str],
    touched: set[str],
    lexicon_dir: Path,
    tokenizer: Tokenizer,
) -> Spliced | None:
    """The new documents (named), problems and their parts, the old clauses' new numbers
    and the added clauses' counts; None when the change reaches unchanged documents."""
    catalog = load_catalog(lexicon_dir / "aliases.toml")
    gone = [d for d in documents if touched.intersection(d.sources)]
    if any(not touched.issuperset(d.sources) for d in gone):
        return None  # a document merged from a changed file and an unchanged one
    stay = [d for d in documents if not touched.intersection(d.sources)]
    copies = [c for part in parts for c in part.copies]
    read = [p for part in parts for p in part.problems]
    fresh, assembled = assemble(copies, read, catalog)
    fresh, unindexable = screen(fresh, tokenizer)
    if len(assembled) != len(read) or unindexable:
        return None
    if not _isolated(stay, [*(d.title for d in gone), *(c.title for c in copies)], fresh, catalog):
        return None
    position = {name: at for at, name in enumerate(names)}
    order = sorted([*stay, *fresh], key=lambda d: position[d.sources[0]])
    ours = {id(d) for d in stay}
    plain = [
        replace(d, aliases=first_aliases(d.title, d.author, catalog), derived=())
        if id(d) in ours
        else d
        for d in order
    ]
    defined = defined_names([replace(d, clauses=_defining(d.clauses)) for d in plain])
    named = name_documents(
        plain, tokenizer.cut, english_titles(lexicon_dir / "titles_en.txt"), defined
    )
    renumber, added = _numbers(documents, named, ours, order, parts, tokenizer)
    split = _problems(problems, sources.parts, touched, read, position)
    if split is None:
        return None
    return named, split[0], split[1], renumber, added


def _isolated(
    stay: list[Document],
    titles: list[str],
    fresh: tuple[Document, ...],
    catalog: tuple[CatalogEntry, ...],
) -> bool:
    """Whether the changed documents share no title (so no copies, no editions) and no id
    with the unchanged ones: then the full merge would leave those as they are."""
    keys = {title_key(d.title) for d in stay}
    bases = {base_id(d.title, catalog) for d in stay}
    ids = {d.doc_id for d in stay}
    return (
        not keys.intersection(title_key(t) for t in titles)
        and not bases.intersection(base_id(t, catalog) for t in titles)
        and not ids.intersection(d.doc_id for d in fresh)
    )


def _defining(clauses: Sequence[Clause]) -> tuple[Clause, ...]:
    """The clauses that may define a short name; a table's found in its texts' bytes."""
    if isinstance(clauses, clause_table.ClauseTable):
        return clauses.containing(_DEFINES)
    return tuple(c for c in clauses if _DEFINES in c.text)


def _numbers(
    documents: tuple[Document, ...],
    named: Sequence[Document],
    ours: set[int],
    order: list[Document],
    parts: Sequence[segments.Segment],
    tokenizer: Tokenizer,
) -> tuple[np.ndarray[tuple[int], np.dtype[np.int64]], list[Added]]:
    """Each old clause's number in the new library (-1: gone), and the new clauses' counts."""
    spans: dict[int, tuple[int, int]] = {}
    start = 0
    for doc in documents:
        spans[id(doc)] = (start, start + len(doc.clauses))
        start += len(doc.clauses)
    renumber = np.full(start, -1, np.int64)
    counted = {text: counts for part in parts for text, counts in part.texts()}
    added: list[Added] = []
    number = 0
    for old, doc in zip(order, named, strict=True):
        size = len(doc.clauses)
        if id(old) in ours:
            first, last = spans[id(old)]
            renumber[first:last] = np.arange(number, number + size)
        else:
            for at, clause in enumerate(doc.clauses):
                text = index_text(clause)
                found = counted.get(text) or segments.Counts.of(tokenizer.tokens(text))
                added.append(Added(number + at, found.terms, found.tfs, found.length))
        number += size
    return renumber, added


def _problems(
    problems: tuple[CorpusProblem, ...],
    parts: tuple[int, int, int],
    touched: set[str],
    read: list[CorpusProblem],
    position: dict[str, int],
) -> tuple[tuple[CorpusProblem, ...], tuple[int, int, int]] | None:
    """The library's problems with the changed files' replaced: reading problems in file
    order, then merging and screening ones (the changed files bring none of those)."""
    if sum(parts) != len(problems) or parts[2]:
        return None  # a document left out by the screen still shapes ids and editions
    reading = problems[: parts[0]]
    merging = problems[parts[0] : parts[0] + parts[1]]
    screening = problems[parts[0] + parts[1] :]
    kept = [p for p in reading if p.source not in touched]
    if any(p.source not in position for p in [*kept, *read]):
        return None
    reading = tuple(sorted([*kept, *read], key=lambda p: position[p.source]))
    merging = tuple(p for p in merging if p.source not in touched)
    screening = tuple(p for p in screening if p.source not in touched)
    return (*reading, *merging, *screening), (len(reading), len(merging), len(screening))
