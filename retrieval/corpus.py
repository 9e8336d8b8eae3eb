"""Read a corpus directory into documents: parse, number, merge copies, name them."""

from __future__ import annotations

import re
from pathlib import Path

from retrieval.documents.catalog import CatalogEntry, identify, short_title
from retrieval.documents.dedup import Copy, group_copies, merge, title_key
from retrieval.documents.structure import build_clauses, split_documents
from retrieval.listing import corpus_files
from retrieval.model import CorpusProblem, Document
from retrieval.reading.formats import SUFFIXES, read_bytes
from retrieval.reading.plain import UnreadableFile

MAX_FILE_BYTES = 20 * 1024 * 1024


_EDITION = re.compile(r"[(（](\d{4}-\d{2}-\d{2})[)）]")


def source_name(path: Path, directory: Path) -> str:
    """How a corpus file is named in sources and messages: its path inside the corpus."""
    return path.relative_to(directory).as_posix()


def edition_of(name: str) -> str:
    """The edition date a file name carries (会计法(2024-06-28).md), or ''."""
    match = _EDITION.search(Path(name).name)
    return match.group(1) if match else ""


def read_file(path: Path, name: str | None = None) -> tuple[list[Copy], list[CorpusProblem]]:
    """Parse one file into document copies; an unreadable file becomes a problem.

    `name` is the file's path inside the corpus (its file name by default)."""
    name = name or path.name
    if path.suffix.lower() not in SUFFIXES:
        return [], [
            CorpusProblem(
                name, "skipped", f"已跳过：不支持的文件类型 {path.suffix or '(无扩展名)'}"
            )
        ]
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UnreadableFile("文件过大")
        data = path.read_bytes()
    except (OSError, UnreadableFile) as exc:
        return [], [CorpusProblem(name, "skipped", f"已跳过：{exc}")]
    try:
        return parse_file(name, data)
    except Exception as exc:  # one odd file must never take the corpus down
        return [], [CorpusProblem(name, "skipped", f"已跳过：无法解析（{type(exc).__name__}）")]


def parse_file(name: str, data: bytes) -> tuple[list[Copy], list[CorpusProblem]]:
    """Parse a file's bytes (its name gives the type) into document copies and problems."""
    try:
        source, notes = read_bytes(name, data)
    except UnreadableFile as exc:
        return [], [CorpusProblem(name, "skipped", f"已跳过：{exc}")]
    copies: list[Copy] = []
    # A reader's notes name what it left out of a file it read (PDF pages without text).
    problems = [CorpusProblem(name, "partial", note) for note in notes]
    headed = source.markdown_levels.get(0) == 1
    for raw in split_documents(list(source.blocks), source.meta, headed):
        outline = build_clauses(raw)
        for quote in outline.dropped:
            problems.append(
                CorpusProblem(name, "repaired", f"已删除插入句中的引文：{quote[:30]}…")
            )
        if not outline.clauses:
            problems.append(
                CorpusProblem(name, "skipped", f"《{raw.title}》没有可引用的正文，已跳过")
            )
            continue
        copies.append(
            Copy(
                raw.title,
                outline.kind,
                outline.continuous,
                outline.clauses,
                name,
                raw.author,
                edition_of(name),
            )
        )
    if not copies and not problems:
        problems.append(CorpusProblem(name, "skipped", "已跳过：没有可识别的正文"))
    return copies, problems


def read_corpus(
    directory: Path, catalog: tuple[CatalogEntry, ...] = ()
) -> tuple[tuple[Document, ...], tuple[CorpusProblem, ...]]:
    """Parse every file, merge copies of the same document and give each an id."""
    copies: list[Copy] = []
    problems: list[CorpusProblem] = []
    for path in corpus_files(directory):
        found, trouble = read_file(path, source_name(path, directory))
        copies.extend(found)
        problems.extend(trouble)
    return assemble(copies, problems, catalog)


def assemble(
    copies: list[Copy], problems: list[CorpusProblem], catalog: tuple[CatalogEntry, ...] = ()
) -> tuple[tuple[Document, ...], tuple[CorpusProblem, ...]]:
    """The documents of parsed copies (in corpus file order): copies of one document merged,
    editions told apart, ids given. Cheap: segments (storage/segments.py) keep the parse."""
    problems = list(problems)
    groups = group_copies(copies)
    # Editions of one title (会计法 2017 and 2024): the newest dated one is current.
    newest: dict[str, str] = {}
    for group in groups:
        key = title_key(group[0].title)
        newest[key] = max(newest.get(key, ""), group[0].edition)
    documents: list[Document] = []
    for group in groups:
        merged, trouble = merge(group)
        problems.extend(trouble)
        sources = tuple(dict.fromkeys(c.source for c in group))
        superseded = merged.edition < newest[title_key(merged.title)]
        taken = {d.doc_id for d in documents}
        documents.append(_document(merged, sources, catalog, taken, superseded))
    return tuple(documents), tuple(problems)


def first_aliases(
    title: str, author: str | None, catalog: tuple[CatalogEntry, ...]
) -> tuple[str, ...]:
    """A document's aliases before naming (naming.name_documents adds the rest)."""
    entry = identify(title, catalog)
    aliases = [title, short_title(title)]
    if entry:
        aliases += [entry.short, *entry.aliases]
    if author:
        aliases.append(author.split()[-1])
    return tuple(dict.fromkeys(a for a in aliases if a))


def base_id(title: str, catalog: tuple[CatalogEntry, ...]) -> str:
    """The id a document of this title is given before editions and repeats are told apart."""
    entry = identify(title, catalog)
    return entry.doc_id if entry else short_title(title)


def _document(
    copy: Copy,
    sources: tuple[str, ...],
    catalog: tuple[CatalogEntry, ...],
    taken: set[str],
    superseded: bool = False,
) -> Document:
    entry = identify(copy.title, catalog)
    doc_id = base_id(copy.title, catalog)
    if superseded:
        doc_id = f"{doc_id}@{copy.edition}"
    base, n = doc_id, 2
    while doc_id in taken:
        doc_id, n = f"{base}-{n}", n + 1
    clauses = tuple(draft.clause(doc_id, n) for n, draft in enumerate(copy.clauses))
    return Document(
        doc_id=doc_id,
        title=copy.title,
        kind=copy.kind,
        clauses=clauses,
        sources=sources,
        author=copy.author,
        aliases=first_aliases(copy.title, copy.author, catalog),
        continuous_sections=copy.continuous,
        short=entry.short if entry else short_title(copy.title),
        edition=copy.edition,
        superseded=superseded,
    )
