"""Read a corpus directory into documents: parse, number, merge copies, name them."""

from __future__ import annotations

from pathlib import Path

from retrieval.catalog import CatalogEntry, identify, short_title
from retrieval.dedup import Copy, group_copies, merge
from retrieval.formats import SUFFIXES, read_bytes
from retrieval.model import CorpusProblem, Document
from retrieval.structure import build_clauses, split_documents
from retrieval.text import UnreadableFile

MAX_FILE_BYTES = 20 * 1024 * 1024


def corpus_files(directory: Path) -> list[Path]:
    """The files of a corpus directory in name order, hidden files excluded."""
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def read_file(path: Path) -> tuple[list[Copy], list[CorpusProblem]]:
    """Parse one file into document copies; an unreadable file becomes a problem."""
    if path.suffix.lower() not in SUFFIXES:
        return [], [
            CorpusProblem(path.name, f"已跳过：不支持的文件类型 {path.suffix or '(无扩展名)'}")
        ]
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UnreadableFile("文件过大")
        data = path.read_bytes()
    except (OSError, UnreadableFile) as exc:
        return [], [CorpusProblem(path.name, f"已跳过：{exc}")]
    try:
        return parse_file(path.name, data)
    except Exception as exc:  # one odd file must never take the corpus down
        return [], [CorpusProblem(path.name, f"已跳过：无法解析（{type(exc).__name__}）")]


def parse_file(name: str, data: bytes) -> tuple[list[Copy], list[CorpusProblem]]:
    """Parse a file's bytes (its name gives the type) into document copies and problems."""
    try:
        source, notes = read_bytes(name, data)
    except UnreadableFile as exc:
        return [], [CorpusProblem(name, f"已跳过：{exc}")]
    copies: list[Copy] = []
    problems = [CorpusProblem(name, note) for note in notes]
    for raw in split_documents(list(source.blocks), source.meta):
        outline = build_clauses(raw)
        for quote in outline.dropped:
            problems.append(CorpusProblem(name, f"已删除插入句中的引文：{quote[:30]}…"))
        if not outline.clauses:
            problems.append(CorpusProblem(name, f"《{raw.title}》没有可引用的正文，已跳过"))
            continue
        copies.append(
            Copy(raw.title, outline.kind, outline.continuous, outline.clauses, name, raw.author)
        )
    if not copies and not problems:
        problems.append(CorpusProblem(name, "已跳过：没有可识别的正文"))
    return copies, problems


def read_corpus(
    directory: Path, catalog: tuple[CatalogEntry, ...] = ()
) -> tuple[tuple[Document, ...], tuple[CorpusProblem, ...]]:
    """Parse every file, merge copies of the same document and give each an id."""
    copies: list[Copy] = []
    problems: list[CorpusProblem] = []
    for path in corpus_files(directory):
        found, trouble = read_file(path)
        copies.extend(found)
        problems.extend(trouble)
    documents: list[Document] = []
    for group in group_copies(copies):
        merged, trouble = merge(group)
        problems.extend(trouble)
        sources = tuple(dict.fromkeys(c.source for c in group))
        documents.append(_document(merged, sources, catalog, {d.doc_id for d in documents}))
    return tuple(documents), tuple(problems)


def _document(
    copy: Copy, sources: tuple[str, ...], catalog: tuple[CatalogEntry, ...], taken: set[str]
) -> Document:
    entry = identify(copy.title, catalog)
    doc_id = entry.doc_id if entry else short_title(copy.title)
    base, n = doc_id, 2
    while doc_id in taken:
        doc_id, n = f"{base}-{n}", n + 1
    aliases = [copy.title, short_title(copy.title)]
    if entry:
        aliases += [entry.short, *entry.aliases]
    if copy.author:
        aliases.append(copy.author.split()[-1])
    clauses = tuple(draft.clause(doc_id, n) for n, draft in enumerate(copy.clauses))
    return Document(
        doc_id=doc_id,
        title=copy.title,
        kind=copy.kind,
        clauses=clauses,
        sources=sources,
        author=copy.author,
        aliases=tuple(dict.fromkeys(a for a in aliases if a)),
        continuous_sections=copy.continuous,
        short=entry.short if entry else short_title(copy.title),
    )
