"""A question costs the same in a 1k and a 50k clause corpus: no step scans the corpus.

Counted, not timed: how many texts are normalised (zhconv) per question, and how many lines
of the routing code (names, headings, clause numbers) run — a loop over every document or
clause would show as lines growing with the corpus.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from benchmarks.regulations import write_corpus
from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from retrieval.lookup.headings import Headings
from retrieval.words import normalize
from retrieval.words.normalize import fold_for_search

ROUTING = ("library.py", "names.py", "headings.py", "lookup.py", "refs.py", "catalog.py")

# Names of the first documents, which both corpora share (benchmarks/regulations.py).
QUESTIONS = [
    "北京市数据条例第十条",
    "《北京市数据条例》第三条讲了什么",
    "北京市数据条例 第二章",
    "天津市数据条例第九百条",
    "第九百条",
    "北京市数据条例",
    "北京市数据条例里数据共享怎么规定",
    "山西省数据工作的意见 总体要求 推进数据共享",
    "总体要求 强化安全保障",
    "数据共享由谁负责？",
    "What does the data regulation say about security?",
    "",
    "数据" * 400,
]
# A fuzzy name is compared with every similar name (more in a larger corpus) and may turn
# ambiguous there: only "no corpus text normalised" holds for it.
FUZZY = ["北京数据条例", "北京市的数据管理条例"]


def _library(tmp_path_factory: pytest.TempPathFactory, seeds: Library, size: int) -> Library:
    sentences = sorted(
        {s for c in seeds.clauses for s in re.findall(r"[^。！？；\n]+[。！？；]", c.text)}
    )
    corpus = tmp_path_factory.mktemp(f"corpus{size}")
    write_corpus(corpus, size, sentences)
    return Library.load(LibraryPaths(corpus, LEXICON_DIR))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, library: Library) -> Library:
    return _library(tmp_path_factory, library, 1_000)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory, library: Library) -> Library:
    return _library(tmp_path_factory, library, 50_000)


def _normalised(library: Library, question: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts normalised while answering the question, as if seen for the first time."""
    fold_for_search.cache_clear()  # normalised texts are remembered: count a cold question
    texts: list[str] = []
    convert = normalize.simplified  # zhconv's, or its rule over its cached tables

    def counting(text: str) -> str:
        texts.append(text)
        return convert(text)

    with monkeypatch.context() as patch:
        patch.setattr(normalize, "simplified", counting)
        library.answer(question)
    return texts


def _routing_lines(work: Callable[[], object]) -> int:
    lines = 0

    def trace(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal lines
        if not frame.f_code.co_filename.endswith(ROUTING):
            return None
        if event == "line":
            lines += 1
        return trace

    sys.settrace(trace)
    try:
        work()
    finally:
        sys.settrace(None)
    return lines


def test_the_corpora_differ_fifty_times(small: Library, large: Library) -> None:
    assert len(large.clauses) == 50 * len(small.clauses)
    assert len(large.documents) == 50 * len(small.documents)


@pytest.mark.parametrize("question", QUESTIONS)
def test_normalisations_do_not_grow_with_the_corpus(
    small: Library, large: Library, question: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    small.answer(question)  # warm the per-document caches on both sides alike
    large.answer(question)
    assert len(_normalised(large, question, monkeypatch)) == len(
        _normalised(small, question, monkeypatch)
    )


@pytest.mark.parametrize("question", QUESTIONS + FUZZY)
def test_no_corpus_text_is_normalised_at_query_time(
    large: Library, question: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = {n for d in large.documents for n in (*d.aliases, d.title, d.short)}
    corpus |= {h for c in large.clauses for h in (*c.breadcrumb, c.heading or "") if h}
    normalised = _normalised(large, question, monkeypatch)
    # A name the question itself contains (the 北京市数据条例 of 北京市数据条例第十条) is fine.
    assert normalised
    assert not {t for t in corpus.intersection(normalised) if t not in question}


@pytest.mark.parametrize("question", QUESTIONS)
def test_routing_work_does_not_grow_with_the_corpus(
    small: Library, large: Library, question: str
) -> None:
    small.answer(question)
    large.answer(question)
    assert _routing_lines(lambda: large.answer(question)) == _routing_lines(
        lambda: small.answer(question)
    )


def test_answers_are_found_in_the_large_corpus(large: Library) -> None:
    assert [h.clause.label for h in large.answer(QUESTIONS[0]).hits] == ["第十条"]
    by_heading = large.answer(QUESTIONS[7])
    assert by_heading.mode == "lookup"
    assert by_heading.hits
    assert all("推进数据共享" in (h.clause.heading or "") for h in by_heading.hits)


def test_the_counter_sees_a_corpus_scan(small: Library, large: Library) -> None:
    """The measure can fail: building the heading index loops over every clause."""
    assert _routing_lines(lambda: Headings(large.clauses)) > _routing_lines(
        lambda: Headings(small.clauses)
    )
