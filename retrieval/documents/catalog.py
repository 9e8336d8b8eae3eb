"""Document ids, short names and aliases from config, plus fuzzy name matching."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from retrieval.words.normalize import strip_name_marks

_ISSUERS = re.compile(r"^(中华人民共和国|中共中央办公厅|国务院办公厅|中共中央|国务院|\s)+")


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A known document: the title fragment that identifies it and what people call it."""

    doc_id: str
    title: str
    short: str
    aliases: tuple[str, ...]


def load_catalog(path: Path) -> tuple[CatalogEntry, ...]:
    """Read config/data/aliases.toml; a missing file means no known documents."""
    if not path.is_file():
        return ()
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return tuple(
        CatalogEntry(d["id"], d["title"], d.get("short", d["title"]), tuple(d.get("aliases", ())))
        for d in data.get("doc", [])
    )


def identify(title: str, catalog: tuple[CatalogEntry, ...]) -> CatalogEntry | None:
    """The entry whose title fragment is the longest one contained in `title`."""
    matches = [e for e in catalog if strip_name_marks(e.title) in strip_name_marks(title)]
    return max(matches, key=lambda e: len(e.title), default=None)


def short_title(title: str) -> str:
    """Drop issuers, 中华人民共和国 and 关于 from a title: 国务院关于加强…意见 → 加强…意见."""
    text = _ISSUERS.sub("", title)
    return text[2:] if text.startswith("关于") else text


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def name_similarity(query: str, name: str) -> float:
    """How much of the query's character bigrams the name covers (0..1)."""
    return grams_covered(name_grams(query), name_grams(name))


def name_grams(name: str) -> set[str]:
    """A name's character bigrams, as name_similarity compares them."""
    return _bigrams(strip_name_marks(name))


def grams_covered(query: set[str], name: set[str]) -> float:
    """name_similarity of two names' bigrams (a library keeps its titles' once)."""
    return len(query & name) / len(query) if query else 0.0
