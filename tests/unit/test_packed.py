"""Word tables packed as two strings read back as they were written."""

from __future__ import annotations

import pytest

from retrieval.library import Library
from retrieval.words.expansion import Expander
from retrieval.words.packed import RECORD, UNIT, PackedTable, pack_table, pack_words, unpack_words


@pytest.mark.parametrize(
    "table",
    [
        {},
        {"数据": ()},
        {"数据": ("资料",), "老人": ("老年人", "长者"), "空": ()},
        {"ministry": ("部门", "部委"), "to manage": ("管理",)},
    ],
)
def test_a_table_reads_back_as_written(table: dict[str, tuple[str, ...]]) -> None:
    again = PackedTable(*pack_table(table))
    assert dict(again) == table
    assert list(again) == list(table)


@pytest.mark.parametrize("bad", [f"数{RECORD}据", f"数{UNIT}据", ""])
def test_a_word_holding_a_separator_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="cannot pack"):
        pack_table({"数据": ("资料", bad)})
    with pytest.raises(ValueError, match="cannot pack"):
        pack_words(["数据", bad])


def test_words_read_back_in_order() -> None:
    assert unpack_words(pack_words(["b", "a", "数据"])) == ["b", "a", "数据"]
    assert unpack_words(pack_words([])) == []


def test_keys_and_values_of_different_number_are_refused() -> None:
    keys, values = pack_table({"a": ("b",), "c": ("d",)})
    with pytest.raises(ValueError, match="differ in number"):
        PackedTable(keys, values + RECORD + "e")


def test_the_bundled_expander_reads_back_table_for_table(library: Library) -> None:
    expander = library.expander
    again = Expander.from_json(expander.to_json())
    assert again is not None
    for name in ("synonyms", "related", "english", "homophones"):
        written, read = getattr(expander, name), getattr(again, name)
        assert {k: tuple(v) for k, v in written.items()} == dict(read.items())
    assert dict(again.readings) == dict(expander.readings)
    assert again.vocabulary == expander.vocabulary
