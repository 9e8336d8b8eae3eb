"""Retrieval's vocabularies are types defined once; text says how it was folded by its type."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import get_args

import pytest

from config.settings import LEXICON_DIR
from retrieval.documents.editions import NoDiff, NoDiffReason, compare
from retrieval.library import Library
from retrieval.lookup import refs
from retrieval.model import PROBLEM_KINDS, STEPS, path_step, problem_kind
from retrieval.question.asks import ASK_KINDS, KINDS
from retrieval.words.normalize import fold_for_search
from retrieval.words.tokenize import Lexicon

RETRIEVAL = Path(__file__).resolve().parents[2] / "retrieval"


def function_names() -> list[str]:
    return [
        node.name
        for path in sorted(RETRIEVAL.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_no_function_is_named_for_the_normalisation_its_text_had() -> None:
    names = function_names()
    assert {"fold_for_search", "clean_query", "resolve"} <= set(names)  # it reads retrieval/
    assert [n for n in names if n.endswith(("_folded", "_cleaned"))] == []


def test_every_ask_kind_is_one_row_of_the_table() -> None:
    assert [kind.name for kind in KINDS] == list(ASK_KINDS)


def test_every_reference_form_is_tried_once() -> None:
    assert [form for form, _ in refs._FORMS] == list(get_args(refs.RefForm))


def test_a_stored_problem_kind_is_read_back_and_an_unknown_one_refused() -> None:
    assert PROBLEM_KINDS == ("skipped", "partial", "repaired")
    assert [problem_kind(k) for k in PROBLEM_KINDS] == list(PROBLEM_KINDS)
    with pytest.raises(ValueError, match="unknown"):
        problem_kind("已跳过")


def test_a_stored_numbering_step_is_read_back_and_an_unknown_level_refused() -> None:
    assert path_step("article", 3) == ("article", 3)
    with pytest.raises(ValueError, match="unknown"):
        path_step("part", 1)  # a marker's level (documents/numbering.py), never a path's


def test_the_library_numbers_clauses_with_the_known_levels_only(
    library_with_regulation: Library,
) -> None:
    levels = {level for clause in library_with_regulation.clauses for level, _ in clause.path}
    assert {"chapter", "section", "article"} <= levels
    assert levels <= set(STEPS)


def test_glossary_terms_are_written_folded() -> None:
    # Tokenizer.translate puts them into folded text and says its result is still Folded.
    glossary = Lexicon.from_dir(LEXICON_DIR).glossary
    assert glossary
    assert [t for _, t in glossary if fold_for_search(t) != t] == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [("没有这份文件的名字", "unknown"), ("数据二十条", "one_edition")],
)
def test_no_diff_says_why_in_its_vocabulary(library: Library, name: str, reason: str) -> None:
    diff = compare(library.documents, library.resolve(name))
    assert isinstance(diff, NoDiff)
    assert diff.reason == reason
    assert diff.reason in get_args(NoDiffReason)
