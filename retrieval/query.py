"""A question prepared once for searching: weighted terms, coverage units, what it asks for.

Every later stage (scoring, coverage, abstaining, highlighting) reads this one value, so the
question is normalised, translated and tokenised exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval import asks as question_kinds
from retrieval.expansion import Expander
from retrieval.normalize import fold_for_search
from retrieval.tokenize import Tokenizer
from retrieval.typos import believed

# Expansions count below the asker's own words (weights chosen by cross-validated eval,
# `policybot eval --cv 5`); a word's own tokens always weigh 1.
LEXICON_WEIGHT = 0.8
THESAURUS_WEIGHT = 0.4
TYPO_WEIGHT = 0.8
RELATED_WEIGHT = 0.2  # a neighbouring Cilin group: half a synonym

_CJK_BIGRAM = re.compile(r"(?=([\u4e00-\u9fff]{2}))")
_ENGLISH = re.compile(r"[a-z]{3,}")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass(frozen=True, slots=True)
class Query:
    """A normalised question and everything searching needs from it."""

    text: str  # normalised and English phrases translated
    terms: tuple[tuple[str, float], ...]  # BM25 terms with their weights, own words first
    words: tuple[str, ...]  # precise-mode words the coverage is judged on
    bigrams: tuple[str, ...]  # CJK character bigrams, robust to segmentation
    asks: str  # a kind of retrieval/asks.py ("amount", "date", "who", "list" …) or ""
    english: bool
    wants_definition: bool
    # Per coverage word: corpus words that stand for it (thesaurus, typo repair) and weights.
    alternates: dict[str, tuple[tuple[str, float], ...]]

    @property
    def highlight(self) -> tuple[str, ...]:
        """Terms worth bold in a quoted clause."""
        return tuple(t for t, _ in self.terms if len(t) >= 2)


@dataclass(frozen=True, slots=True)
class Wording:
    """A question folded (width, script, case) and with English phrases translated, once."""

    folded: str
    translated: str


def read_question(text: str, tokenizer: Tokenizer) -> Wording:
    """Fold a question and translate its English phrases: the one normalisation it gets."""
    folded = fold_for_search(text)
    return Wording(folded, tokenizer.translate(folded))


def prepare(wording: Wording, tokenizer: Tokenizer, expander: Expander, focus: str = "") -> Query:
    """Prepare a question; `focus` is its translated text without document names, if known."""
    asked = question_kinds.read(wording.folded)
    # The phrases that only ask (是什么意思, what does … mean) are not words to find.
    folded, translated = asked.plain(wording.folded), asked.plain(wording.translated)
    english = bool(_ENGLISH.search(folded))
    own, lexicon = tokenizer.query_tokens(translated)
    weighted: dict[str, float] = {}

    def add(token: str, weight: float) -> None:
        if weight > weighted.get(token, 0.0):
            weighted[token] = weight

    for token in own:
        add(token, 1.0)
    for token in lexicon:
        add(token, LEXICON_WEIGHT)
    for token in list(own):
        for synonym in expander.synonyms_of(token):
            for part in tokenizer.tokens(synonym):
                add(part, THESAURUS_WEIGHT)
        for near in expander.related_to(token):
            for part in tokenizer.tokens(near):
                add(part, RELATED_WEIGHT)
    # Homophone typos, where the asker's segmentation points to one (retrieval/typos.py).
    said = tokenizer.words(translated)
    repairs = believed(translated, said, tokenizer, expander)
    for _, fix in repairs:
        for part in tokenizer.tokens(fix):
            add(part, TYPO_WEIGHT)
    units = expander.english_units(folded, tokenizer.glossary) if english else []
    for _, terms, weight in units:
        for term in terms:
            for part in tokenizer.tokens(term):
                add(part, weight)
    basis = asked.plain(focus) or translated
    words = (tokenizer.words(basis) if basis != translated else said) or said
    alternates = {
        word: tuple(
            [(syn, THESAURUS_WEIGHT) for syn in expander.synonyms_of(word)]
            + [(near, RELATED_WEIGHT) for near in expander.related_to(word)]
            + [(fix, TYPO_WEIGHT) for window, fix in repairs if window in word or word in window]
        )
        for word in words
    }
    if english:
        # Each English word or phrase is one coverage unit, found through the Chinese it
        # stands for; one with no Chinese counterpart (reset, iphone) is never found.
        words = [w for w in tokenizer.words(folded) if _CJK.match(w)]
        for key, terms, weight in units:
            words.append(key)
            alternates[key] = tuple(
                (part, weight) for term in terms for part in _findable(term, tokenizer)
            )
    return Query(
        text=wording.translated,
        terms=tuple(weighted.items()),
        words=tuple(dict.fromkeys(words)),
        bigrams=tuple(dict.fromkeys(_CJK_BIGRAM.findall(basis))),
        asks=asked.kind,
        english=english,
        wants_definition=asked.definition,
        alternates={w: a for w, a in alternates.items() if a},
    )


def _findable(term: str, tokenizer: Tokenizer) -> list[str]:
    """The index tokens a term is found by: itself, or its longest tokens when it is a phrase."""
    tokens = tokenizer.tokens(term)
    if term in tokens:
        return [term]
    longest = max((len(t) for t in tokens), default=0)
    return [t for t in tokens if len(t) == longest and len(t) >= 2]
