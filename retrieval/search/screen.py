"""Keep out of the index what one corpus file could break it with, naming the file."""

from __future__ import annotations

from collections import Counter

from retrieval.model import CorpusProblem, Document
from retrieval.search.bm25 import MAX_DISTINCT_TERMS, MAX_TERM_FREQUENCY
from retrieval.search.index import index_text
from retrieval.words.tokenize import Tokenizer


def screen(
    documents: tuple[Document, ...], tokenizer: Tokenizer
) -> tuple[tuple[Document, ...], tuple[CorpusProblem, ...]]:
    """The documents the index can hold, and a problem for each one left out."""
    kept: list[Document] = []
    problems: list[CorpusProblem] = []
    for document in documents:
        reason = _unindexable(document, tokenizer)
        if reason is None:
            kept.append(document)
            continue
        for source in document.sources:
            problems.append(
                CorpusProblem(source, "skipped", f"已跳过《{document.title}》：{reason}")
            )
    return tuple(kept), tuple(problems)


def _unindexable(document: Document, tokenizer: Tokenizer) -> str | None:
    for clause in document.clauses:
        text = index_text(clause)
        # Only a clause longer than the limit can repeat a token past it: others cost nothing.
        if len(text) <= MAX_TERM_FREQUENCY:
            continue
        counts = Counter(tokenizer.tokens(text))
        token, count = counts.most_common(1)[0] if counts else ("", 0)
        if count > MAX_TERM_FREQUENCY:
            return f"{clause.label} 中“{token}”重复 {count} 次，超过索引上限 {MAX_TERM_FREQUENCY}"
        if len(counts) > MAX_DISTINCT_TERMS:
            return f"{clause.label} 有 {len(counts)} 个不同的词，超过索引上限 {MAX_DISTINCT_TERMS}"
    return None
