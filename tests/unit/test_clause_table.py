"""Cached clauses as columns: read back, they are the clauses that were written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.library import Library
from retrieval.lookup.clauses import Numbers
from retrieval.lookup.headings import Headings
from retrieval.storage import clause_table


@pytest.fixture
def tables(library: Library, tmp_path: Path) -> list[clause_table.ClauseTable]:
    clause_table.write(tmp_path, library.documents)
    docs = library.documents
    return clause_table.read(tmp_path, [d.doc_id for d in docs], [len(d.clauses) for d in docs])


def test_every_document_reads_back_its_own_clauses(
    library: Library, tables: list[clause_table.ClauseTable]
) -> None:
    for document, table in zip(library.documents, tables, strict=True):
        assert tuple(table) == tuple(document.clauses)
        assert table == document.clauses
        assert table[-1] == document.clauses[-1]
        assert table[1:3] == document.clauses[1:3]


def test_reading_past_the_end_raises_index_error(tables: list[clause_table.ClauseTable]) -> None:
    with pytest.raises(IndexError):
        tables[0][len(tables[0])]


def test_the_indexes_built_from_columns_equal_those_built_from_clauses(
    library: Library, tables: list[clause_table.ClauseTable]
) -> None:
    whole = tables[0].span(0, tables[-1].end)
    headings = Headings.grouped(whole.heading_groups())
    for keys in (["总体要求", "主要目标"], ["主要目标"], ["数据"]):
        expected = library.headings.find(keys, None, 5)
        assert expected
        assert headings.find(keys, None, 5) == expected
    numbers = Numbers(library.documents, whole.carrying())
    assert numbers._carrying == library.numbers._carrying


def test_columns_that_do_not_fit_the_documents_are_refused(
    library: Library, tmp_path: Path
) -> None:
    clause_table.write(tmp_path, library.documents)
    docs = library.documents
    with pytest.raises(ValueError, match="do not fit"):
        clause_table.read(tmp_path, [d.doc_id for d in docs], [len(d.clauses) + 1 for d in docs])


def test_shapes_paths_and_chapters_read_from_columns_equal_the_clauses(
    library: Library, tables: list[clause_table.ClauseTable]
) -> None:
    for document, table in zip(library.documents, tables, strict=True):
        clauses = tuple(document.clauses)
        assert clause_table.shapes(table) == clause_table.shapes(clauses)
        assert [clause_table.path(table, i) for i in range(len(table))] == [
            c.path for c in clauses
        ]
        assert clause_table.chapters(table) == clause_table.chapters(clauses)
    assert clause_table.chapters(tables[0])  # 数据二十条: 一、总体要求 …


@pytest.mark.parametrize(("size", "distinct"), [(0, 1), (1, 1), (9, 3), (2000, 40), (2000, 1500)])
def test_groups_are_each_keys_positions_in_order_of_first_position(
    size: int, distinct: int
) -> None:
    keys = np.random.default_rng(size + distinct).integers(0, distinct, size)
    expected: dict[int, list[int]] = {}
    for position, key in enumerate(keys.tolist()):
        expected.setdefault(key, []).append(position)
    assert [g.tolist() for g in clause_table._groups(keys)] == list(expected.values())
