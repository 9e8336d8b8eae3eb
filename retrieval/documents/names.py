"""Document names, normalised once at load and indexed, so finding one costs no corpus scan.

`resolve` and `mentioned` take folded text (`Folded`: the caller folds once) and answer
exactly as a scan over every document's aliases would (exact alias, containment, characters
spread in order, fuzzy bigrams), but each step only visits the documents an index entry
points to: an Aho–Corasick automaton finds the aliases inside a text, character bigram
postings find the aliases containing a text or sharing its bigrams.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ahocorasick

from retrieval.documents.dedup import title_key
from retrieval.documents.naming import makes_another
from retrieval.model import Document
from retrieval.words.normalize import Folded, fold_for_search, strip_name_marks

FUZZY_NAME = 0.6  # share of the name's bigrams a title must cover to be a fuzzy match
_MIN_NAME = 2  # aliases shorter than this never count as contained or mentioned
_MIN_SPREAD = 4  # aliases shorter than this are never matched with words inserted


def bigrams(text: str) -> set[str]:
    """Character bigrams; a text shorter than two characters is its own only 'bigram'."""
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def spread_in(key: str, name: str) -> bool:
    """The (squashed) name's characters occur in the key in order, the key at most twice as
    long: 数据要素二十条 still names 数据二十条."""
    if len(name) < _MIN_SPREAD or len(key) > 2 * len(name):
        return False
    rest = iter(key)
    return all(char in rest for char in name)


_YEAR = re.compile(r"((?:19|20)\d\d)年?")
_OLD = re.compile(r"旧版|旧的|原来的|修订前|修正前|老版")


def pick_editions(key: str, docs: list[Document]) -> list[Document]:
    """Of several editions of one title, the one asked for: the year named (会计法2017年),
    the previous one for 旧版, else the current (newest) one. Other documents stay."""
    if len(docs) < 2 or not any(d.edition for d in docs):
        return docs
    groups: dict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        groups[title_key(doc.title)].append(doc)
    years = set(_YEAR.findall(key))
    out: list[Document] = []
    for editions in groups.values():
        if len(editions) == 1:
            out += editions
            continue
        editions.sort(key=lambda d: d.edition)
        named = [d for d in editions if d.edition[:4] in years]
        if named:
            out.append(named[-1])
        elif _OLD.search(key):
            out.append(editions[-2])
        else:
            out.append(editions[-1])
    # In the given order. Not docs.index: that compares whole documents (their clauses too),
    # ~70 ms for a title held by hundreds of documents (最高人民法院关于…).
    position: dict[str, int] = {}
    for number, doc in enumerate(docs):
        position.setdefault(doc.doc_id, number)
    return sorted(out, key=lambda d: position[d.doc_id])


def _automaton(words: Iterable[str]) -> ahocorasick.Automaton | None:
    automaton = ahocorasick.Automaton()
    for word in set(words):
        automaton.add_word(word, word)
    if not len(automaton):
        return None
    automaton.make_automaton()
    return automaton


# What `Names.state` holds: a change to it or to how it is built changes this.
STATE_VERSION = "names-1"


class Names:
    """Every document's aliases, normalised once, with the indexes that find them."""

    def __init__(
        self, documents: Sequence[Document], fold: Callable[[str], Folded] = fold_for_search
    ) -> None:
        """`fold`: `fold_for_search`, or a stand-in giving its results from a cache."""
        self.documents = tuple(documents)
        self._position = {d.doc_id: n for n, d in enumerate(self.documents)}
        self._build(fold)

    def state(self) -> tuple[Any, ...]:
        """The indexes as plain lists, sets and dicts (marshal's types) for a snapshot; the
        automata as their words."""
        return (
            STATE_VERSION,
            [d.doc_id for d in self.documents],
            self._normal,
            self._squashed,
            self._whole,
            dict(self._exact),
            dict(self._normal_docs),
            dict(self._grams),
            self._alias_grams,
            self._by_rarest,
            self._words,
        )

    @classmethod
    def from_state(cls, documents: Sequence[Document], state: tuple[Any, ...]) -> Names | None:
        """The names of these documents from `state()`; None when it is another version's or
        another library's."""
        if len(state) != 11 or state[0] != STATE_VERSION:
            return None
        names = cls.__new__(cls)
        names.documents = tuple(documents)
        if state[1] != [d.doc_id for d in names.documents]:
            return None
        names._position = {d.doc_id: n for n, d in enumerate(names.documents)}
        (names._normal, names._squashed, names._whole) = state[2:5]
        names._exact = defaultdict(list, state[5])
        names._normal_docs = defaultdict(list, state[6])
        names._grams = defaultdict(list, state[7])
        names._alias_grams, names._by_rarest, names._words = state[8:11]
        names._make_automata()
        return names

    def _build(self, fold: Callable[[str], Folded]) -> None:
        # Per document: aliases normalised (longest first, for `mentioned`), and squashed.
        self._normal = [
            tuple(fold(a) for a in sorted((*d.aliases, *d.derived), key=len, reverse=True))
            for d in self.documents
        ]
        self._squashed = [
            frozenset(strip_name_marks(fold(a)) for a in d.aliases) for d in self.documents
        ]
        derived = [frozenset(strip_name_marks(fold(a)) for a in d.derived) for d in self.documents]
        self._whole = [
            frozenset(strip_name_marks(fold(n)) for n in (*d.aliases, d.title, d.short)) | more
            for d, more in zip(self.documents, derived, strict=True)
        ]
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._normal_docs: dict[str, list[int]] = defaultdict(list)
        self._grams: dict[str, list[int]] = defaultdict(list)  # bigram → documents
        self._alias_grams: dict[str, set[str]] = {}
        by_rarest: dict[str, list[str]] = defaultdict(list)
        frequency = Counter(char for names in self._squashed for name in names for char in name)
        for position, names in enumerate(self._squashed):
            for name in names:
                self._exact[name].append(position)
                grams = self._alias_grams.setdefault(name, bigrams(name))
                for gram in grams:
                    self._grams[gram].append(position)
                if len(name) >= _MIN_SPREAD:
                    by_rarest[min(name, key=frequency.__getitem__)].append(name)
            for name in self._normal[position]:
                if len(name) >= _MIN_NAME:
                    self._normal_docs[name].append(position)
        # Derived abbreviations are found whole (exactly, or inside a question) only.
        for position, names in enumerate(derived):
            for name in names - self._squashed[position]:
                self._exact[name].append(position)
        # A posting list holds a document once, in document order.
        for gram, docs in self._grams.items():
            self._grams[gram] = sorted(set(docs))
        self._by_rarest = {char: tuple(set(names)) for char, names in by_rarest.items()}
        # The automata's words, kept for a snapshot (automata are no marshal type).
        self._words = (
            sorted({n for names in (*self._squashed, *derived) for n in names if len(n) >= 2}),
            sorted(self._normal_docs),
            sorted({n for names in self._whole for n in names if len(n) >= _MIN_NAME}),
        )
        self._make_automata()

    def _make_automata(self) -> None:
        # Every character of any whole name, gathered when first asked (could_name).
        self._name_chars: frozenset[str] | None = None
        inside, mentionable, named = self._words
        self._inside = _automaton(inside)
        self._mentionable = _automaton(mentionable)
        self._named = _automaton(named)

    def resolve(self, name: Folded) -> list[Document]:
        """Documents a name refers to: exact alias, alias containment, then fuzzy title."""
        key = strip_name_marks(name)
        return pick_editions(key, self._resolve(key)) if key else []

    def _resolve(self, key: str) -> list[Document]:
        if key in self._exact:
            return self._docs(self._exact[key])
        contained = sorted(self._contained(key))
        if len(contained) == 1:
            return self._docs(contained)
        spread = {
            position
            for char in set(key)
            for alias in self._by_rarest.get(char, ())
            if spread_in(key, alias)
            for position in self._exact[alias]
        }
        if len(spread) == 1:
            return self._docs(spread)
        scores = self._similarities(key, contained)
        best = max(scores.values(), default=0.0)
        if best < FUZZY_NAME:
            return self._docs(contained)
        return self._docs(p for p, s in scores.items() if s == best)

    def shared(self, key: Folded) -> list[Document]:
        """The documents a squashed name is a whole name of, when it is several titles'
        (editions of one title count once): such a name is asked about, never guessed."""
        positions = self._exact.get(key)
        if not positions:
            return []
        docs = pick_editions(key, self._docs(set(positions)))
        return docs if len({title_key(d.title) for d in docs}) > 1 else []

    def shared_in(self, folded: Folded) -> tuple[str, list[Document]]:
        """A name inside a (folded) question that several documents answer to, with them;
        ('', []) when none is. A longer name around it (数据安全法 around 数据法) settles it."""
        if self._inside is None:
            return "", []
        key = strip_name_marks(folded)
        spans = [(end - len(name) + 1, end + 1, name) for end, name in self._inside.iter(key)]
        for start, end, name in sorted(spans, key=lambda s: s[0] - s[1]):
            docs = self.shared(Folded(name))  # the automaton holds folded names
            if not docs or (name.isascii() and not re.search(rf"\b{re.escape(name)}\b", folded)):
                continue  # an acronym counts only as a word of its own (not pl in people)
            wider = any(s <= start and end <= e and e - s > end - start for s, e, _ in spans)
            if not wider:
                return name, docs
        return "", []

    def spans(self, squashed: Folded) -> list[tuple[int, int]]:
        """Where loaded documents' whole names occur in a folded question squashed by
        `strip_name_marks`: [start, end) each. Squashed, a title found in a question
        written with other marks or spaces (《》 left out, 〈〉 for 《》) is still found."""
        if self._named is None:
            return []
        return [(end - len(name) + 1, end + 1) for end, name in self._named.iter(squashed)]

    def mentioned(self, text: Folded) -> tuple[set[str], str]:
        """Documents named inside a question, and the question without those names."""
        found: set[str] = set()
        if self._mentionable is None:
            return found, text
        # Only documents with an alias inside the original question can match. The longest
        # names are cut out first, whichever document has them: 社会保险法 before the 保险法
        # inside it, 外商投资法实施条例 before 外商投资法.
        inside = {name for _, name in self._mentionable.iter(text)}
        rest: str = text
        for name in sorted(inside, key=lambda n: (-len(n), n)):
            if name in rest:
                found.update(self.documents[p].doc_id for p in self._normal_docs[name])
                rest = rest.replace(name, " ")
        if len(found) > 1:
            docs = pick_editions(text, [d for d in self.documents if d.doc_id in found])
            found = {d.doc_id for d in docs}
        return found, rest

    def could_name(self, key: Folded) -> bool:
        """False when `names(key, d)` is false for every document: the key has a character
        no whole name has (a whole name, or one keeping most of it, has all of the key's)."""
        if self._name_chars is None:
            self._name_chars = frozenset(
                char for whole in self._whole for n in whole for char in n
            )
        return self._name_chars.issuperset(key)

    def names(self, key: Folded, doc: Document) -> bool:
        """Whether a squashed key is the whole name of the document: an alias, its title or
        short name, or an abbreviation keeping most of one (数据资源开发利用意见)."""
        whole = self._whole[self._position[doc.doc_id]]
        return key in whole or any(len(key) >= 0.7 * len(n) and spread_in(n, key) for n in whole)

    def beyond(self, key: Folded, docs: Iterable[Document]) -> list[Document] | None:
        """When a squashed key is a name of one of these documents followed by 实施条例,
        修正案, 解释 … (and no whole name of any of them), the documents it names: those whose
        names hold that name and then the rest of the key (民事诉讼法解释 → 最高人民法院关于适用
        民事诉讼法的解释); none when no such document is loaded (劳动合同法实施条例 with only
        劳动合同法). None when the key names these documents themselves."""
        docs = list(docs)
        if any(self.names(key, d) for d in docs):
            return None
        for doc in docs:
            for name in self._whole[self._position[doc.doc_id]]:
                at = key.find(name) if len(name) >= _MIN_NAME else -1
                if at >= 0 and makes_another(key[at + len(name) :]):
                    return self._written_out(key, name, key[at + len(name) :])
        return None

    def _written_out(self, key: str, name: str, tail: str) -> list[Document]:
        """Documents with a name holding `name` and after it the tail's characters in order."""
        rarest = min(bigrams(name), key=lambda g: len(self._grams.get(g, ())))
        found = set()
        for position in self._grams.get(rarest, ()):
            for alias in self._squashed[position]:
                at = alias.find(name)
                rest = iter(alias[at + len(name) :])
                if at >= 0 and all(char in rest for char in tail):
                    found.add(position)
        return pick_editions(key, self._docs(found))

    def _contained(self, key: str) -> set[int]:
        """Documents with an alias inside the key, or (keys of 4+) containing the key."""
        found: set[int] = set()
        if self._inside is not None:
            found.update(p for _, alias in self._inside.iter(key) for p in self._exact[alias])
        if len(key) >= 4:
            rarest = min(bigrams(key), key=lambda g: len(self._grams.get(g, ())))
            found.update(
                p
                for p in self._grams.get(rarest, ())
                if any(key in alias for alias in self._squashed[p])
            )
        return found

    def _similarities(self, key: str, contained: list[int]) -> dict[int, float]:
        """Each document's best share of the key's bigrams covered by one of its aliases:
        among `contained`, else among all documents that may reach FUZZY_NAME."""
        grams = bigrams(key)
        if contained:
            pool: Iterable[int] = contained
        else:
            # A document covering FUZZY_NAME of the bigrams has one of the rarest n - t + 1.
            # (Rounded down, the share may only widen the pool: it stays exact.)
            needed = int(FUZZY_NAME * len(grams))
            rarest = sorted(grams, key=lambda g: len(self._grams.get(g, ())))
            pool = {p for g in rarest[: len(grams) - needed + 1] for p in self._grams.get(g, ())}
        return {
            p: max(len(grams & self._alias_grams[a]) / len(grams) for a in self._squashed[p])
            for p in pool
            if self._squashed[p]
        }

    def _docs(self, positions: Iterable[int]) -> list[Document]:
        return [self.documents[p] for p in sorted(positions)]
