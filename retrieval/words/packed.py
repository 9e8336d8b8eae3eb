"""Word tables kept on disk as two strings each (keys, values), so a cache loads them in a few
milliseconds: JSON lists of 140,000 entries and their values took a tenth of a second to parse
at every start of the big library; `str.split` of two strings is a C loop.

A table's keys are joined by RECORD; each value's items by UNIT, the values by RECORD. Neither
separator is a character the tables can hold (index tokens, CC-CEDICT glosses and readings
never carry control characters); packing one that does fails rather than writes a table that
would read back differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

RECORD, UNIT = "\x1e", "\x1f"


class PackedTable(Mapping[str, tuple[str, ...]]):
    """A word → words table read from its packed strings; a value is split when read."""

    def __init__(self, keys: str, values: str) -> None:
        names = _split(keys)
        rows = values.split(RECORD) if names else []  # one row a key, empty rows included
        if len(names) != len(rows):
            raise ValueError("packed table: keys and values differ in number")
        self._rows = dict(zip(names, rows, strict=True))

    def __getitem__(self, key: str) -> tuple[str, ...]:
        row = self._rows[key]
        return tuple(row.split(UNIT)) if row else ()

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def pack_table(table: Mapping[str, Sequence[str]]) -> tuple[str, str]:
    """The (keys, values) strings of a word → words table."""
    _check(table)
    _check(item for row in table.values() for item in row)  # rows may be empty, items not
    return RECORD.join(table), RECORD.join(UNIT.join(row) for row in table.values())


def pack_words(words: Iterable[str]) -> str:
    """A list of words as one string (a plain mapping's keys or values, a vocabulary)."""
    words = list(words)
    _check(words)
    return RECORD.join(words)


def unpack_words(text: str) -> list[str]:
    """The words `pack_words` packed."""
    return _split(text)


def _split(text: str) -> list[str]:
    return text.split(RECORD) if text else []


def _check(words: Iterable[str]) -> None:
    for word in words:
        if RECORD in word or UNIT in word or not word:
            raise ValueError(f"cannot pack {word!r}")
