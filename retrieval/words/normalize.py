"""The ways text is folded before it is compared, each named for what it does."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from typing import NewType, overload

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


@functools.lru_cache(maxsize=1 << 16)
def fold_for_search(text: str) -> Folded:
    """Fold width (NFKC), traditional to simplified characters, and case.

    Remembered: routing (references, names, headings) folds the same question again, and
    zhconv's phrase matching is the dearest step of each pass. Room for a big library's
    names and headings (1,500 laws: 23,000 and 10,000): a library patched for a changed
    file folds again only the new ones (0.4 s of a reload when 2,048 were kept).
    """
    folded: str = zhconv.convert(unicodedata.normalize("NFKC", text), "zh-cn")
    return Folded(folded.lower())


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
