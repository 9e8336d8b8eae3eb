"""Bridges from how people ask to the corpus's words: synonyms, English, homophone typos.

Built once per corpus from general resources (retrieval/words/thesaurus.py) restricted to the words
the corpus actually contains, so it is small, cacheable as JSON, and nothing in it was written
for particular questions:

- synonyms: Cilin synonym groups → the group members that occur in the corpus (老人 → 老年人);
- related: the corpus words of the neighbouring groups in the same Cilin small class, a step
  further from the word and weighted below synonyms (拍板 → 决策, 不准 → 严禁);
- english: CC-CEDICT glosses read backwards → corpus words (ministries → 部门, cloud → 云);
- homophones: a query word that is not in the corpus but sounds like a corpus word differing
  in one character is taken for a typo of it (机智 → 机制, 数剧 → 数据, 授全 → 授权).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.integrity import cache_directory, discard, seal, sidecar, verified_bytes
from retrieval.words.packed import PackedTable, pack_table, pack_words, unpack_words
from retrieval.words.sources import Tables, remembered
from retrieval.words.thesaurus import (
    cedict_glosses,
    char_readings,
    cilin_groups,
    cilin_synonym_groups,
)

EXPANDER_VERSION = "3"  # 3: tables packed as strings
DICTIONARY_WEIGHT = 0.9  # CC-CEDICT read backwards: below our own glossary
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")
_EN_WORD = re.compile(r"[a-z][a-z'-]*")
_MAX_GROUP = 24  # bigger Cilin groups are loose topic lists, not synonyms
_MAX_CLASS = 80  # words in a Cilin small class beyond which its groups are not near enough
_MAX_READINGS = 8
_MAX_SENSES = 4
EN_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "but",
        "with",
        "by",
        "at",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "done",
        "doing",
        "have",
        "has",
        "had",
        "having",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "it's",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "you",
        "your",
        "i",
        "my",
        "me",
        "can",
        "could",
        "should",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "about",
        "into",
        "over",
        "under",
        "between",
        "than",
        "then",
        "so",
        "such",
        "any",
        "some",
        "all",
        "each",
        "every",
        "more",
        "most",
        "much",
        "many",
        "no",
        "not",
        "only",
        "own",
        "same",
        "other",
        "also",
        "just",
        "very",
        "still",
        "say",
        "says",
        "said",
        "tell",
        "tells",
        "get",
        "gets",
        "go",
        "goes",
        "make",
        "makes",
        "made",
        "let",
        "via",
        "per",
        "s",
    ]
)


@dataclass(frozen=True, slots=True)
class Expander:
    """Corpus-restricted synonym, English and homophone tables."""

    synonyms: Mapping[str, Sequence[str]]
    related: Mapping[str, Sequence[str]]
    english: Mapping[str, Sequence[str]]
    readings: Mapping[str, str]  # character → its toneless readings, comma-separated
    homophones: Mapping[str, Sequence[str]]
    vocabulary: frozenset[str]
    # Each character's readings, split once: typo repair sounds out every 2-4 character
    # stretch of a question, so a character is read up to nine times a question.
    _sounds: dict[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # Per stretch and allowed difference, the corpus words it may stand for: the same
    # stretches (具体, 怎么办 …) are sounded out in question after question.
    _stands: dict[tuple[str, int], tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # The first two and three syllables of every homophone key, gathered on the first repair,
    # and per two or three characters whether they can sound like the start of a corpus word:
    # most stretches of a question cannot, and every stretch starting so is passed over.
    _starts: set[tuple[str, ...]] = field(
        default_factory=set, init=False, repr=False, compare=False
    )
    _opens: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def build(cls, vocabulary: Iterable[str]) -> Expander:
        """Derive the tables for a corpus vocabulary (its index tokens)."""
        vocab = frozenset(w for w in vocabulary if w)
        readings = char_readings()
        homophones: dict[str, list[str]] = defaultdict(list)
        used: set[str] = set()
        for word in vocab:
            if 2 <= len(word) <= 4 and _CJK_WORD.match(word):
                for key in _sound_keys(word, readings):
                    homophones[key].append(word)
                used.update(word)
        syllables = {r for ch in used for r in readings.get(ch, ())}
        return cls(
            synonyms=_synonyms(vocab),
            related=_related(vocab),
            english=_english(vocab),
            # Only characters that can sound like a corpus character matter for repairs.
            readings={c: ",".join(r) for c, r in readings.items() if syllables.intersection(r)},
            homophones={k: tuple(sorted(v)) for k, v in homophones.items()},
            vocabulary=vocab,
        )

    def synonyms_of(self, word: str) -> tuple[str, ...]:
        """Corpus words in the same Cilin synonym group as `word` (itself excluded)."""
        found = self.synonyms.get(word)
        return tuple(s for s in found if s != word) if found else ()

    def related_to(self, word: str) -> tuple[str, ...]:
        """Corpus words in a neighbouring Cilin group (same small class), not synonyms."""
        found = self.related.get(word)
        return tuple(s for s in found if s != word) if found else ()

    def repairs(self, text: str) -> list[str]:
        """Corpus words that a mistyped stretch of the question most likely stands for."""
        return list(dict.fromkeys(word for _, word in self.repaired(text)))

    def repaired(self, text: str, most: int = 1) -> list[tuple[str, str]]:
        """Each mistyped stretch of the question with a corpus word it may stand for: one that
        sounds the same and differs in one character, or in up to `most` characters that
        each sound like the word's in their usual reading."""
        out: dict[tuple[str, str], None] = {}  # in the order found, each pair once
        vocabulary, stands, opening = self.vocabulary, self._stands, self._opens
        for run in _CJK_RUN.findall(text):
            size_of_run = len(run)
            # Where a stretch may start: its first two characters can sound like a corpus
            # word's (most places cannot; each pair is judged once, then remembered).
            starts = []
            for at in range(size_of_run - 1):
                pair = run[at : at + 2]
                opens = opening.get(pair)
                if opens is None:
                    opens = self._opening(pair, [self._sounds_of(char) for char in pair])
                if opens:
                    starts.append(at)
            if not starts:
                continue
            sounds: list[tuple[str, ...]] | None = None  # read when a stretch is sounded out
            for size in (4, 3, 2):
                for start in starts:
                    if start + size > size_of_run:
                        break
                    window = run[start : start + size]
                    if window in vocabulary:
                        continue
                    if size > 2:  # its first three sounds must begin a longer word's too
                        triple = window[:3]
                        opens = opening.get(triple)
                        if opens is None:
                            opens = self._opening(triple, [self._sounds_of(c) for c in triple])
                        if not opens:
                            continue
                    found = stands.get((window, most))  # _stands_for's memo, without a call
                    if found is None:
                        if sounds is None:
                            sounds = [self._sounds_of(char) for char in run]
                        found = self._stands_for(window, most, sounds[start : start + size])
                    for word in found:
                        out[(window, word)] = None
        return list(out)

    def _stands_for(
        self, window: str, most: int, sounds: Sequence[tuple[str, ...]]
    ) -> tuple[str, ...]:
        """The corpus words a stretch (its characters' `sounds`) may stand for, in the order
        its sounds find them."""
        found = self._stands.get((window, most))
        if found is None:
            words: dict[str, None] = {}
            for key in _keys(sounds):
                for word in self.homophones.get(key, ()):
                    apart = chars_apart(window, word)
                    if apart == 1 or (1 < apart <= most and self._alike(window, word)):
                        words[word] = None
            if len(self._stands) >= 200_000:
                self._stands.clear()
            found = self._stands[(window, most)] = tuple(words)
        return found

    def _opening(self, piece: str, sounds: Sequence[tuple[str, ...]]) -> bool:
        """Whether two or three characters (their `sounds`) can sound like the first two or
        three syllables of a homophone key: when not, no stretch starting with them finds a
        word."""
        opens = self._opens.get(piece)
        if opens is None:
            if len(sounds) < 2:
                return False
            starts = self._starts
            if not starts:
                for key in self.homophones:
                    syllables = tuple(key.split(" "))
                    starts.add(syllables[:2])
                    if len(syllables) > 2:
                        starts.add(syllables[:3])
            opens = any(combo in starts for combo in itertools.product(*sounds))
            if len(self._opens) >= 200_000:
                self._opens.clear()
            self._opens[piece] = opens
        return opens

    def _alike(self, typed: str, word: str) -> bool:
        """Whether every differing character reads like the word's in its usual reading: with
        two characters wrong, a rare reading (些 as suo, 还 as fu) is not a typo's sound."""
        return all(
            self._sounds_of(x)[:1] == self._sounds_of(y)[:1]
            for x, y in zip(typed, word, strict=True)
            if x != y
        )

    def _sounds_of(self, char: str) -> tuple[str, ...]:
        sounds = self._sounds.get(char)
        if sounds is None:
            sounds = self._sounds[char] = _split(self.readings.get(char, ()))
        return sounds

    def english_units(
        self, text: str, glossary: Mapping[str, tuple[str, ...]]
    ) -> list[tuple[str, tuple[str, ...], float]]:
        """The English content words and phrases of a question, longest first, each with the
        corpus words it stands for (our glossary at weight 1, CC-CEDICT below; none when
        nothing does: reset, iphone)."""
        words = [lemma(w) for w in _EN_WORD.findall(text.lower()) if w not in EN_STOPWORDS]
        words = [w for w in words if w not in _STOP_LEMMAS and len(w) > 1]
        units: list[tuple[str, tuple[str, ...], float]] = []
        at = 0
        while at < len(words):
            for size in (4, 3, 2, 1):
                phrase = " ".join(words[at : at + size])
                if phrase in glossary:
                    units.append((phrase, glossary[phrase], 1.0))
                elif size <= 3 and phrase in self.english:
                    units.append((phrase, tuple(self.english[phrase]), DICTIONARY_WEIGHT))
                else:
                    continue
                at += size
                break
            else:
                units.append(self._inflected(words[at], glossary))
                at += 1
        return units

    def _inflected(
        self, word: str, glossary: Mapping[str, tuple[str, ...]]
    ) -> tuple[str, tuple[str, ...], float]:
        """A word found only through its base form (priced → price, sharing → share)."""
        for base in base_forms(word):
            if base in glossary:
                return (word, glossary[base], 1.0)
            if base in self.english:
                return (word, tuple(self.english[base]), DICTIONARY_WEIGHT)
        return (word, (), 0.0)

    def to_json(self) -> str:
        """Serialise for the on-disk cache: each table packed as two strings (packed.py)."""
        readings = self.readings
        return json.dumps(
            {
                "version": EXPANDER_VERSION,
                "synonyms": pack_table(self.synonyms),
                "related": pack_table(self.related),
                "english": pack_table(self.english),
                "readings": [pack_words(readings), pack_words(readings.values())],
                "homophones": pack_table(self.homophones),
                "vocabulary": pack_words(sorted(self.vocabulary)),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Expander | None:
        """Read a cached expander; None when it is of another version or malformed."""
        try:
            data = json.loads(text)
            if data.get("version") != EXPANDER_VERSION:
                return None
            sounds, readings = (unpack_words(part) for part in data["readings"])
            if len(sounds) != len(readings):
                return None
            return cls(
                synonyms=PackedTable(*data["synonyms"]),
                related=PackedTable(*data["related"]),
                english=PackedTable(*data["english"]),
                readings=dict(zip(sounds, readings, strict=True)),
                homophones=PackedTable(*data["homophones"]),
                vocabulary=frozenset(unpack_words(data["vocabulary"])),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def patched(self, vocabulary: Iterable[str], folder: Path | None = None) -> Expander:
        """The expander of another vocabulary made from this one: equal to
        `build(vocabulary)`, recomputing only the entries of the words that came or went
        (a one-file change to a big library moves a few hundred of its 20,000 words).
        `folder`: where the thesaurus sources' indexes are cached (sources.py)."""
        vocab = frozenset(w for w in vocabulary if w)
        changed = vocab ^ self.vocabulary
        if not changed:
            return self
        tables = _sources(folder)
        synonyms = _repatched(self.synonyms, changed, _kind(tables, "synonyms"), vocab)
        related = _repatched(self.related, changed, _kind(tables, "related"), vocab)
        phrases, heads = tables["phrases"], tables["heads"]
        touched = {p for word in changed for p in phrases.get(word, ())}
        glossed: dict[str, tuple[str, ...] | None] = {}
        for phrase in touched:
            found = tuple(h for h in heads[phrase] if h in vocab)
            glossed[phrase] = found if found and len(found) <= _MAX_SENSES else None
        english = Amended.of(self.english, glossed) if glossed else self.english
        readings = self._readings_for(vocab, changed, tables["readings"])
        alike: dict[str, tuple[str, ...] | None] = {}
        for word in changed:
            if 2 <= len(word) <= 4 and _CJK_WORD.match(word):
                # A word that went is sounded out with the table that held its characters.
                table = self.readings if word in self.vocabulary else readings
                for key in _sound_keys(word, table):
                    had = alike[key] if key in alike else self.homophones.get(key, ())
                    kept = (set(had or ()) - {word}) | ({word} & vocab)
                    alike[key] = tuple(sorted(kept)) if kept else None
        homophones = Amended.of(self.homophones, alike) if alike else self.homophones
        return Expander(
            synonyms=synonyms,
            related=related,
            english=english,
            readings=readings,
            homophones=homophones,
            vocabulary=vocab,
        )

    def _readings_for(
        self,
        vocab: frozenset[str],
        changed: frozenset[str],
        table: Mapping[str, Sequence[str]],
    ) -> dict[str, str]:
        """`build`'s readings for `vocab`: the characters that can sound like one of its
        words' characters. Read from this expander's own table when it holds every
        character concerned and the syllables did not grow (else from `table`, pypinyin's:
        its 40,000 characters are read through)."""
        own = self.readings

        def syllables(words: Iterable[str], table: Mapping[str, str | Sequence[str]]) -> set[str]:
            used = {c for w in words if 2 <= len(w) <= 4 and _CJK_WORD.match(w) for c in w}
            return {r for ch in used for r in _split(table.get(ch, ()))}

        known = all(c in own for w in changed if _CJK_WORD.match(w) for c in w)
        if known:
            before, after = syllables(self.vocabulary, own), syllables(vocab, own)
            if after == before:
                return dict(own)
            if after < before:
                return {c: r for c, r in own.items() if after.intersection(r.split(","))}
        after = syllables(vocab, table)
        return {c: ",".join(r) for c, r in table.items() if after.intersection(r)}

    @classmethod
    def cached(cls, path: Path, vocabulary: Iterable[str]) -> Expander:
        """The expander cached at `path`, or built and written there."""
        cached = cls.read(path)
        if cached is not None:
            return cached
        expander = cls.build(vocabulary)
        expander.save(path)
        return expander

    @classmethod
    def read(cls, path: Path) -> Expander | None:
        """The expander cached at `path`; None when missing, and removed when damaged."""
        if path.exists():
            cached = None
            data = verified_bytes(path)  # read once: checked, then parsed
            if data is not None:
                with contextlib.suppress(UnicodeDecodeError):
                    cached = cls.from_json(data.decode("utf-8"))
            if cached is not None:
                return cached
            discard(path, "checksum mismatch or unreadable")
        return None

    def save(self, path: Path) -> None:
        """Write this expander's cache at `path` and drop the other ones."""
        try:
            cache_directory(path.parent)
            partial = path.with_suffix(".tmp")
            partial.write_text(self.to_json(), encoding="utf-8")
            partial.replace(path)
            seal(path)
            for stale in path.parent.glob("expander-*.json"):
                if stale != path:  # built for a corpus or lexicon that is gone
                    stale.unlink(missing_ok=True)
                    sidecar(stale).unlink(missing_ok=True)
        except (OSError, ValueError):
            # A read-only data dir only costs the next start a rebuild, and so would a table
            # that cannot be packed (packed.py).
            pass


def lemma(word: str) -> str:
    """A crude English singular: ministries → ministry, clouds → cloud (both sides alike)."""
    word = word.removesuffix("'s").strip("'-")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def base_forms(word: str) -> list[str]:
    """Candidate base forms of an English -ed/-ing word, most likely first (a dictionary
    decides): priced → price, protected → protect, planned → plan, sharing → share."""
    for suffix in ("ed", "ing"):
        stem = word.removesuffix(suffix)
        if stem != word and len(stem) >= 3:
            doubled = [stem[:-1]] if len(stem) > 3 and stem[-1] == stem[-2] else []
            return (
                [stem + "e", stem, *doubled]
                if suffix == "ing"
                else [
                    word[:-1],
                    stem,
                    *doubled,
                ]
            )
    return []


# Stop words as the glossary pass leaves them (does → doe).
_STOP_LEMMAS = EN_STOPWORDS | frozenset(lemma(w) for w in EN_STOPWORDS)


def _synonyms(vocab: frozenset[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = defaultdict(list)
    for group in cilin_synonym_groups():
        if len(group) > _MAX_GROUP:
            continue
        members = [w for w in group if w in vocab and len(w) >= 2]
        if not members:
            continue
        for word in group:
            if len(word) >= 2:
                found[word].extend(m for m in members if m != word and m not in found[word])
    return {w: tuple(v) for w, v in found.items() if v}


def _related(vocab: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Corpus words in the other synonym groups of a word's Cilin small class (5-character code
    prefix: 拍板 → 决策, 不准 → 严禁, 证件 → 证照); crowded classes are topic lists, skipped."""
    classes: dict[str, list[list[str]]] = defaultdict(list)
    for code, group in cilin_groups():
        if not code.endswith("#"):  # "#" groups are loose associations, not near-synonyms
            classes[code[:5]].append(group)
    found: dict[str, list[str]] = defaultdict(list)
    for groups in classes.values():
        if sum(map(len, groups)) > _MAX_CLASS:
            continue
        for at, group in enumerate(groups):
            others = [
                w
                for other in groups[:at] + groups[at + 1 :]
                for w in other
                if w in vocab and len(w) >= 2 and w not in group
            ]
            for word in group:
                if len(word) >= 2:
                    found[word].extend(w for w in others if w not in found[word])
    return {w: tuple(v) for w, v in found.items() if v}


# Per word, the lists of candidate words _synonyms or _related extends its entry with, in the
# order they do; a candidate list is shared by every word it serves (the other words of a
# group, or of a group's class). The words a list holds say whose entries a change reaches.
# As tables of words (sources.py caches them packed): the lists by number, the numbers of
# the lists each word is served by, of those each word is in, and the words each list serves.
_Sources = tuple[Mapping[str, Sequence[str]], ...]
SOURCES_VERSION = "1"


@functools.cache
def _sources(folder: Path | None) -> Tables:
    """The sources' indexes, read from `folder`'s cache when there (else made, 1.3 s)."""
    return remembered(folder, f"{SOURCES_VERSION}/{EXPANDER_VERSION}", _source_tables)


def cache_sources(folder: Path) -> None:
    """Make and cache in `folder` the sources' indexes a patch reads, unless they are there."""
    _sources(folder)


def _source_tables() -> Tables:
    phrases, heads = _glosses()
    tables: Tables = {"phrases": phrases, "heads": heads, "readings": char_readings()}
    for name, (lists, serves, within, held) in (
        ("synonyms", _synonym_index()),
        ("related", _related_index()),
    ):
        tables[f"{name}.lists"] = lists
        tables[f"{name}.serves"] = serves
        tables[f"{name}.within"] = within
        tables[f"{name}.held"] = held
    return tables


def _kind(tables: Tables, name: str) -> _Sources:
    return tuple(tables[f"{name}.{part}"] for part in ("lists", "serves", "within", "held"))


def _synonym_index() -> _Sources:
    """_synonyms's sources over all of Cilin (every word, not only a corpus's)."""
    lists: list[tuple[str, ...]] = []
    serves: dict[str, list[int]] = defaultdict(list)
    for group in cilin_synonym_groups():
        if len(group) > _MAX_GROUP:
            continue
        lists.append(tuple(w for w in group if len(w) >= 2))
        for word in group:
            if len(word) >= 2:
                serves[word].append(len(lists) - 1)
    return _tables(lists, serves)


def _related_index() -> _Sources:
    """_related's sources over all of Cilin: per word, the other groups of its classes."""
    classes: dict[str, list[list[str]]] = defaultdict(list)
    for code, group in cilin_groups():
        if not code.endswith("#"):
            classes[code[:5]].append(group)
    lists: list[tuple[str, ...]] = []
    serves: dict[str, list[int]] = defaultdict(list)
    for groups in classes.values():
        if sum(map(len, groups)) > _MAX_CLASS:
            continue
        for at, group in enumerate(groups):
            others = groups[:at] + groups[at + 1 :]
            lists.append(tuple(w for o in others for w in o if len(w) >= 2 and w not in group))
            for word in group:
                if len(word) >= 2:
                    serves[word].append(len(lists) - 1)
    return _tables(lists, serves)


def _tables(lists: list[tuple[str, ...]], serves: dict[str, list[int]]) -> _Sources:
    """The lists and who they serve as tables of words (list numbers written out); a
    word may appear in the entries of the words its lists serve."""
    held: dict[str, list[str]] = defaultdict(list)
    for word, found in serves.items():
        for at in found:
            held[str(at)].append(word)
    within: dict[str, dict[str, None]] = defaultdict(dict)
    for at, candidates in enumerate(lists):
        for word in candidates:
            within[word][str(at)] = None
    return (
        {str(at): words for at, words in enumerate(lists)},
        {word: tuple(map(str, found)) for word, found in serves.items()},
        {word: tuple(found) for word, found in within.items()},
        {at: tuple(words) for at, words in held.items()},
    )


def _repatched(
    table: Mapping[str, Sequence[str]],
    changed: frozenset[str],
    sources: _Sources,
    vocab: frozenset[str],
) -> Mapping[str, Sequence[str]]:
    """A synonym or related table with the entries a change reaches made again: each the
    candidates in the vocabulary, in order, once, never the word itself."""
    lists, serves, within, held = sources
    reached = {w for c in changed for at in within.get(c, ()) for w in held.get(at, ())}
    if not reached:
        return table
    out: dict[str, tuple[str, ...] | None] = {}
    for word in reached:
        found: dict[str, None] = {}
        for at in serves[word]:
            found.update((w, None) for w in lists[at] if w in vocab and w != word)
        out[word] = tuple(found) if found else None
    return Amended.of(table, out)


class Amended(Mapping[str, Sequence[str]]):
    """A table with some entries replaced (None: removed), the rest read from the table it
    amends: a patch copies no table (a cached one is packed, and unpacking 50,000 entries
    cost 0.1 s). Amending an amended table amends the one below, so reads stay one deep."""

    def __init__(
        self, base: Mapping[str, Sequence[str]], changes: dict[str, tuple[str, ...] | None]
    ) -> None:
        self._base, self._changes = base, changes
        self._size: int | None = None

    @classmethod
    def of(
        cls, table: Mapping[str, Sequence[str]], changes: dict[str, tuple[str, ...] | None]
    ) -> Amended:
        if isinstance(table, Amended):
            return cls(table._base, {**table._changes, **changes})
        return cls(table, changes)

    def __getitem__(self, key: str) -> Sequence[str]:
        if key in self._changes:
            value = self._changes[key]
            if value is None:
                raise KeyError(key)
            return value
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        if key in self._changes:
            return self._changes[key] is not None
        return key in self._base

    def __iter__(self) -> Iterator[str]:
        for key in self._base:
            if key not in self._changes or self._changes[key] is not None:
                yield key
        for key, value in self._changes.items():
            if value is not None and key not in self._base:
                yield key

    def __len__(self) -> int:
        if self._size is None:
            self._size = sum(1 for _ in self)
        return self._size


@functools.cache
def _glosses() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """_english's phrases for every CC-CEDICT headword (not only a corpus's): per headword
    its phrases, and per phrase its headwords in the order _english meets them."""
    heads: dict[str, dict[str, None]] = defaultdict(dict)
    for head, glosses in cedict_glosses():
        if len(head) < 2:
            continue
        for gloss in glosses:
            words = [lemma(w) for w in _EN_WORD.findall(gloss)]
            words = [w for w in words if w not in EN_STOPWORDS]
            if 1 <= len(words) <= 3:
                heads[" ".join(words)][head] = None
    phrases: dict[str, list[str]] = defaultdict(list)
    for phrase, found in heads.items():
        for head in found:
            phrases[head].append(phrase)
    return (
        {h: tuple(p) for h, p in phrases.items()},
        {p: tuple(h) for p, h in heads.items()},
    )


def _english(vocab: frozenset[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = defaultdict(list)
    for head, glosses in cedict_glosses():
        if head not in vocab or len(head) < 2:
            continue
        for gloss in glosses:
            words = [lemma(w) for w in _EN_WORD.findall(gloss)]
            words = [w for w in words if w not in EN_STOPWORDS]
            if 1 <= len(words) <= 3 and head not in found[" ".join(words)]:
                found[" ".join(words)].append(head)
    # A gloss shared by many headwords (e.g. "to manage") says little about any of them.
    return {p: tuple(v) for p, v in found.items() if len(v) <= _MAX_SENSES}


def _sound_keys(word: str, readings: Mapping[str, str | tuple[str, ...]]) -> list[str]:
    return _keys([_split(readings.get(ch, ())) for ch in word])


def _keys(options: Sequence[tuple[str, ...]]) -> list[str]:
    """The sound keys of a stretch from its characters' readings (none if one has none)."""
    if not all(options):
        return []
    if len(options) == 2:  # the commonest stretch, built without product's tuples
        first, second = options
        if len(first) * len(second) <= _MAX_READINGS:
            return [f"{a} {b}" for a in first for b in second]
    return [" ".join(c) for c in itertools.islice(itertools.product(*options), _MAX_READINGS)]


def _split(readings: str | Sequence[str]) -> tuple[str, ...]:
    return tuple(readings.split(",")) if isinstance(readings, str) else tuple(readings)


def chars_apart(a: str, b: str) -> int:
    """How many characters two stretches of the same length differ in."""
    if len(a) != len(b):
        return max(len(a), len(b))
    return sum(x != y for x, y in zip(a, b, strict=True))
