"""The compiled best path (jieba-next) segments exactly as jieba does, user words included."""

from __future__ import annotations

import json
import re
import sys

import pytest

from config.settings import LEXICON_DIR
from retrieval.library import Library
from retrieval.search.index import index_text
from retrieval.words.segmenter import CompiledRoute
from retrieval.words.tokenize import Lexicon, Tokenizer

pytest.importorskip("jieba_next", reason="jieba-next is not installed: builds use plain jieba")


@pytest.fixture(scope="module")
def tokenizers(library_with_regulation: Library) -> tuple[Tokenizer, Tokenizer]:
    work = library_with_regulation.tokenizer.work_dir
    lexicon = Lexicon.from_dir(LEXICON_DIR)
    plain, fast = Tokenizer(lexicon, work), Tokenizer(lexicon, work)
    assert fast.accelerate()
    return plain, fast


def test_every_seed_clause_gets_jiebas_search_tokens(
    library_with_regulation: Library, tokenizers: tuple[Tokenizer, Tokenizer]
) -> None:
    plain, fast = tokenizers
    for clause in library_with_regulation.clauses:
        text = index_text(clause)
        assert fast.tokens(text) == plain.tokens(text), clause.label


def test_every_title_gets_jiebas_accurate_words(
    library_with_regulation: Library, tokenizers: tuple[Tokenizer, Tokenizer]
) -> None:
    plain, fast = tokenizers
    for document in library_with_regulation.documents:
        assert fast.cut(document.title) == plain.cut(document.title)


def test_user_dictionary_words_stay_whole(tokenizers: tuple[Tokenizer, Tokenizer]) -> None:
    _, fast = tokenizers
    assert isinstance(fast._jieba, CompiledRoute)
    assert {"一网通办", "授权运营"} <= set(fast.tokens("推进一网通办和公共数据授权运营"))


def test_unknown_words_still_go_through_the_hmm(tokenizers: tuple[Tokenizer, Tokenizer]) -> None:
    plain, fast = tokenizers
    # Names and rare compounds are no dictionary words: jieba's HMM proposes them.
    for text in ("张晓磊在鄞州区办理了营业执照", "特朗普与拜登", "abc123数据"):
        assert fast.cut(text) == plain.cut(text)


def test_without_jieba_next_the_tokenizer_stays_plain(
    monkeypatch: pytest.MonkeyPatch, library: Library
) -> None:
    monkeypatch.setitem(sys.modules, "jieba_next", None)  # import fails as if not installed
    tokenizer = Tokenizer(Lexicon.from_dir(LEXICON_DIR), library.tokenizer.work_dir)
    assert not tokenizer.accelerate()
    assert not isinstance(tokenizer._jieba, CompiledRoute)


def test_a_warmed_library_answers_as_a_cold_one(library: Library) -> None:
    from config.settings import BUNDLED_CORPUS
    from retrieval.library import LibraryPaths
    from tests.harness import FIXTURES

    warmed = Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))
    warmed.warm()
    assert isinstance(warmed.tokenizer._jieba, CompiledRoute)
    questions = [
        json.loads(line)["query"]
        for line in (FIXTURES / "dev_qa.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for question in questions:
        assert warmed.answer(question) == library.answer(question), question


def test_a_warmed_library_compiles_no_pattern_for_its_first_questions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from config.settings import BUNDLED_CORPUS
    from retrieval.library import LibraryPaths

    warmed = Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))
    warmed.warm()
    compiled: list[str] = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda p, *a: compiled.append(str(p)) or real(p, *a))
    for question in ("What is a data broker?", "数据经纪人是什么意思", "为什么要建设数字政府"):
        warmed.answer(question)
    assert compiled == []
