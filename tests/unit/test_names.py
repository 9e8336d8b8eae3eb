"""Indexed document names answer exactly as a scan over every document's aliases would.

The oracle below is the scan the index replaced (it normalised every alias per question);
both run over the seeds plus the extra regulation, for names, their fragments and variants.
"""

from __future__ import annotations

import pytest

from retrieval.documents.catalog import name_similarity
from retrieval.documents.names import FUZZY_NAME, spread_in
from retrieval.library import Library
from retrieval.model import Document
from retrieval.words.normalize import fold_for_search, strip_name_marks


def scan_resolve(documents: tuple[Document, ...], name: str) -> list[Document]:
    key = strip_name_marks(fold_for_search(name))
    if not key:
        return []

    def aliases(d: Document) -> list[str]:
        return [strip_name_marks(fold_for_search(a)) for a in d.aliases]

    exact = [d for d in documents if key in aliases(d)]
    if exact:
        return exact
    contained = [
        d
        for d in documents
        if any(len(a) >= 2 and (a in key or (len(key) >= 4 and key in a)) for a in aliases(d))
    ]
    if len(contained) == 1:
        return contained
    spread = [d for d in documents if any(spread_in(key, a) for a in aliases(d))]
    if len(spread) == 1:
        return spread
    scored = [
        (max(name_similarity(key, fold_for_search(a)) for a in d.aliases), d)
        for d in (contained or documents)
    ]
    best = max((s for s, _ in scored), default=0.0)
    if best < FUZZY_NAME:
        return contained
    return [d for s, d in scored if s == best]


def scan_mentioned(documents: tuple[Document, ...], text: str) -> tuple[set[str], str]:
    """The longest name in the text is cut out first, whichever document it names (社会保险法
    before the 保险法 inside it); a name several documents share names them all."""
    key = fold_for_search(text)
    found: set[str] = set()
    names = {fold_for_search(a) for doc in documents for a in (*doc.aliases, *doc.derived)}
    for name in sorted(names, key=lambda n: (-len(n), n)):
        if len(name) >= 2 and name in key:
            found.update(
                d.doc_id
                for d in documents
                if name in {fold_for_search(a) for a in (*d.aliases, *d.derived)}
            )
            key = key.replace(name, " ")
    return found, key


def names(library: Library) -> list[str]:
    """Every alias, and ways people shorten, extend or garble it."""
    out = []
    for doc in library.documents:
        for alias in (*doc.aliases, doc.title, doc.short):
            out += [alias, alias[: len(alias) // 2], alias[1:], alias[:-2], alias[::2]]
            out += [f"{alias[:3]}的{alias[3:]}", f"《{alias}》", f"{alias}里关于数据共享怎么说"]
            out += [alias.replace("意见", ""), alias.replace("条例", "办法")]
            out += [alias[i : i + 4] for i in range(len(alias) - 3)]  # a fragment of a name
            out += [alias[:i] + alias[i + 1 :] for i in range(len(alias))]  # a character left out
            out += [
                alias[:i] + alias[i + 1] + alias[i] + alias[i + 2 :] for i in range(len(alias) - 1)
            ]
    return out + ["", "《》", "数据", "信用", "数字政府建设", "上海条例", "x", "hello"]


@pytest.fixture(scope="module")
def queries(library_with_regulation: Library) -> list[str]:
    return names(library_with_regulation)


def test_resolve_agrees_with_a_scan_of_every_alias(
    library_with_regulation: Library, queries: list[str]
) -> None:
    documents = library_with_regulation.documents
    for query in queries:
        assert library_with_regulation.resolve(query) == scan_resolve(documents, query), query


def test_mentioned_agrees_with_a_scan_of_every_alias(
    library_with_regulation: Library, queries: list[str]
) -> None:
    documents = library_with_regulation.documents
    for query in queries:
        assert library_with_regulation.mentioned(query) == scan_mentioned(documents, query), query


def test_the_oracle_finds_names_at_all(library_with_regulation: Library) -> None:
    """The comparison is not vacuous: exact, contained and mentioned names are found."""
    documents = library_with_regulation.documents
    regulation = library_with_regulation.resolve("上海市社会信用条例")
    assert [d.title for d in regulation] == ["上海市社会信用条例"]
    assert scan_mentioned(documents, "上海市社会信用条例第十条讲了什么")[0]


def test_could_name_is_false_only_when_no_document_is_named(
    library_with_regulation: Library, queries: list[str]
) -> None:
    """The card's shortcut: a key `could_name` rejects is no whole name of any document."""
    names_index = library_with_regulation.names
    rejected = 0
    for query in [*queries, "个人信息保护有哪些规定？", "公积金怎么提取"]:
        key = strip_name_marks(fold_for_search(query))
        if not names_index.could_name(key):
            rejected += 1
            assert not any(names_index.names(key, d) for d in library_with_regulation.documents)
    assert rejected  # the shortcut is taken at all
    title = strip_name_marks(fold_for_search(library_with_regulation.documents[0].title))
    assert names_index.could_name(title)
