"""The ways text is folded before it is compared, each named for what it does."""

from __future__ import annotations

import contextlib
import functools
import marshal
import os
import re
import sys
import unicodedata
from pathlib import Path
from typing import NewType, overload

from retrieval.integrity import cache_directory, discard, seal, verified_bytes

# zhconv reads its dictionary through pkg_resources when that imports (~70 ms with a
# setuptools that still ships it, every start), else with open(): the same file. Hidden for
# the one import, and only when nobody imported it before.
_HIDE = "pkg_resources" not in sys.modules
if _HIDE:
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
try:
    import zhconv
finally:
    if _HIDE:
        del sys.modules["pkg_resources"]

# Text as routing and name lookup compare it: folded by `fold_for_search`, or a piece of such
# text (a slice, a part, marks dropped). A function wanting folded text takes this type, so a
# caller folds once and the type, not a `_folded` twin of each function, says it has.
Folded = NewType("Folded", str)

# What folding depends on besides our code: caches of folded text are keyed by it.
FOLD_VERSION = f"zhconv-{zhconv.zhconv.__version__}"
_SPACES = re.compile(r"\s+")
_NAME_MARKS = re.compile(r"[\s《》〈〉“”\"'：:·]")


# zhconv's zh-cn table and the prefixes of its phrases, once read from a cache (use_tables):
# zhconv makes them from its JSON of every locale on the first text (~20 ms of each start).
_tables: tuple[dict[str, str], frozenset[str]] | None = None
TABLES = f"zhconv-{zhconv.zhconv.__version__}-zh-cn-py{sys.version_info[0]}{sys.version_info[1]}"


@functools.lru_cache(maxsize=1 << 16)
def fold_for_search(text: str) -> Folded:
    """Fold width (NFKC), traditional to simplified characters, and case.

    Remembered: routing (references, names, headings) folds the same question again, and
    zhconv's phrase matching is the dearest step of each pass. Room for a big library's
    names and headings (1,500 laws: 23,000 and 10,000): a library patched for a changed
    file folds again only the new ones (0.4 s of a reload when 2,048 were kept).
    """
    return Folded(simplified(unicodedata.normalize("NFKC", text)).lower())


def simplified(text: str) -> str:
    """`zhconv.convert(text, "zh-cn")`, by its own longest-match rule over its tables when
    they were read from a cache."""
    if _tables is None:
        converted: str = zhconv.convert(text, "zh-cn")
        return converted
    table, prefixes = _tables
    out: list[str] = []
    position, size = 0, len(text)
    while position < size:
        end, word, fragment = position, None, text[position]
        last = position
        while end < size and fragment in prefixes:
            if fragment in table:
                word, last = table[fragment], end
            end += 1
            fragment = text[position : end + 1]
        out.append(text[position] if word is None else word)
        position = position + 1 if word is None else last + 1
    return "".join(out)


def use_tables(cache_dir: Path) -> None:
    """Convert with zhconv's zh-cn tables kept in `cache_dir` (marshal: two plain values,
    checksummed), written there from zhconv's the first time."""
    global _tables
    if _tables is not None:
        return
    path = cache_dir / f"{TABLES}.marshal"
    data = verified_bytes(path) if path.exists() else None
    with contextlib.suppress(ValueError, EOFError, TypeError):
        table, prefixes = marshal.loads(data) if data is not None else (None, None)
        if isinstance(table, dict) and isinstance(prefixes, frozenset):
            _tables = table, prefixes
            return
    if path.exists():
        discard(path, "checksum mismatch or unreadable")
    table = zhconv.zhconv.getdict("zh-cn")
    made = dict(table), frozenset(zhconv.zhconv.pfsdict["zh-cn"])
    with contextlib.suppress(OSError):  # a read-only cache only costs zhconv's JSON again
        cache_directory(cache_dir)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps(made))
        partial.replace(path)
        seal(path)
    _tables = made


def fold_layout(text: str) -> str:
    """Fold width (NFKC) and drop whitespace: texts differing only in layout compare equal."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


@overload
def strip_name_marks(text: Folded) -> Folded: ...
@overload
def strip_name_marks(text: str) -> str: ...
def strip_name_marks(text: str) -> str:
    """Drop spaces, book-title marks, quotes and colons: names compare without them (folded
    text stays folded)."""
    return _NAME_MARKS.sub("", text)
