"""A cached document's card and a missing number's nearest sections make only the clauses
they show, whether the document holds 50 clauses or 500.

Counted, not timed: the clauses a cached clause table makes (storage/clause_table.py) while
one question is answered, after forgetting the ones it made before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.regulations import write_corpus
from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from retrieval.model import Answer
from retrieval.storage import clause_table

# Names of the first documents of a synthetic corpus (benchmarks/regulations.py): three
# regulations (第N章 … 第N条), then a policy (一、 parts, （N） sections restarting in each part).
REGULATION, POLICY = "北京市数据条例", "山西省数据工作的意见"
CARDS = [REGULATION, POLICY]
MISSING = [
    f"{REGULATION}第九百条",
    f"{REGULATION}第二十章",  # no clause ends at a chapter: any clause, nearest by chapter
    f"{REGULATION}第三章第九百条",
    f"{POLICY}第九部分",
    f"{POLICY}第二部分（九百）",
    f"{POLICY}（九百）",
    "第九百条",  # no document named: the nearest of the first documents
]


def _write(corpus: Path, seeds: Library, per_doc: int) -> None:
    """Four documents of `per_doc` clauses, the same for the same size."""
    sentences = sorted(
        {s for c in seeds.clauses for s in re.findall(r"[^。！？；\n]+[。！？；]", c.text)}
    )
    write_corpus(corpus, 4 * per_doc, sentences, per_doc=per_doc)


def _library(tmp_path_factory: pytest.TempPathFactory, seeds: Library, per_doc: int) -> Library:
    """Four documents of `per_doc` clauses, loaded back from the cache as clause tables."""
    work = tmp_path_factory.mktemp(f"docs{per_doc}")
    _write(work / "corpus", seeds, per_doc)
    paths = LibraryPaths(work / "corpus", LEXICON_DIR, work / "cache")
    Library.load(paths)  # parses and writes the cache
    library = Library.load(paths)
    assert isinstance(library.clauses, clause_table.ClauseTable)
    return library


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, library: Library) -> Library:
    return _library(tmp_path_factory, library, 50)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory, library: Library) -> Library:
    return _library(tmp_path_factory, library, 500)


def _made(library: Library, work: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> int:
    """How many clauses the library's clause table makes during `work`, none remembered."""
    table = library.clauses
    assert isinstance(table, clause_table.ClauseTable)
    columns = table.columns
    columns.clause.cache_clear()  # type: ignore[attr-defined]
    made = 0
    make = type(columns).clauses

    def counting(self: object, start: int, end: int) -> list[object]:
        nonlocal made
        made += max(0, end - start)
        return make(self, start, end)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(type(columns), "clauses", counting)
        work()
    return made


def _answered(
    small: Library, large: Library, text: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Answer], list[int]]:
    """Both libraries' answers to `text` and how many clauses each made for it."""
    answers: list[Answer] = []
    made = [
        _made(lib, lambda lib=lib: answers.append(lib.answer(text)), monkeypatch)
        for lib in (small, large)
    ]
    return answers, made


def test_the_documents_differ_tenfold(small: Library, large: Library) -> None:
    assert [len(d.clauses) for d in small.documents] == [50] * 4
    assert [len(d.clauses) for d in large.documents] == [500] * 4


@pytest.mark.parametrize("name", CARDS)
def test_a_document_card_makes_only_its_opening_clause(
    small: Library, large: Library, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers, made = _answered(small, large, name, monkeypatch)
    assert all(a.card is not None and len(a.card.chapters) > 1 for a in answers)
    assert made[0] == made[1] <= 2


@pytest.mark.parametrize("question", MISSING)
def test_nearest_sections_make_only_the_clauses_suggested(
    small: Library, large: Library, question: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers, made = _answered(small, large, question, monkeypatch)
    assert all(a.status == "not_found" and a.suggestions for a in answers)
    assert made[0] == made[1] <= 3 * len(answers[1].suggestions)


def test_the_counter_sees_a_whole_document_read(
    small: Library, large: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The measure can fail: listing a document's clauses makes every one of them."""
    for lib, size in ((small, 50), (large, 500)):
        doc = lib.documents[0]
        assert _made(lib, lambda doc=doc: [c.breadcrumb for c in doc.clauses], monkeypatch) == size


def test_cards_and_nearest_sections_of_a_cached_library_match_a_parsed_one(
    library: Library, large: Library, tmp_path: Path
) -> None:
    _write(tmp_path / "corpus", library, 500)
    parsed = Library.load(LibraryPaths(tmp_path / "corpus", LEXICON_DIR))
    assert not isinstance(parsed.clauses, clause_table.ClauseTable)
    for question in [*CARDS, *MISSING]:
        assert large.answer(question) == parsed.answer(question)
