"""A question prepared once for searching: weighted terms, coverage units, what it asks for.

Every later stage (scoring, coverage, abstaining, highlighting) reads this one value, so the
question is normalised, translated and tokenised exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from retrieval.question import asks as question_kinds
from retrieval.words.expansion import Expander
from retrieval.words.normalize import Folded, fold_for_search
from retrieval.words.tokenize import Tokenizer
from retrieval.words.typos import believed


# Expansions count below the asker's own words; a word's own tokens always weigh 1. These are
# the defaults; ranking.json's "expansion" table (fitted on the train splits) overrides them.
@dataclass(frozen=True, slots=True)
class ExpansionWeights:
    """What a question word's stand-ins count for, below its own weight of 1.

    Each source word adds its best-matching stand-in once (question/query.py); the weights
    are chosen on the train splits (`python -m benchmarks.fit_ranking`), not by hand.
    """

    lexicon: float = 0.8  # synonyms.txt (hand-written, reviewed)
    curated: float = 0.8  # the curated colloquial → official lexicon (lexicon/*.txt)
    thesaurus: float = 0.4  # Cilin synonyms in the corpus
    related: float = 0.2  # neighbouring Cilin groups
    typo: float = 0.8  # homophone repairs
    bridge: float = 0.0  # learned translations (bridge.tsv), times t / best t of the word
    bridge_coverage: float = 0.0  # what a learned translation counts for in coverage

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> ExpansionWeights:
        """Weights from ranking.json's "expansion" table; missing names keep their default."""
        known = set(cls.__dataclass_fields__)
        return cls(**{k: float(v) for k, v in data.items() if k in known})


DEFAULT_WEIGHTS = ExpansionWeights()
LEXICON_WEIGHT = DEFAULT_WEIGHTS.lexicon
THESAURUS_WEIGHT = DEFAULT_WEIGHTS.thesaurus
TYPO_WEIGHT = DEFAULT_WEIGHTS.typo
RELATED_WEIGHT = DEFAULT_WEIGHTS.related  # a neighbouring Cilin group: half a synonym
BRIDGE_TERMS = 3  # a word's likeliest learned translations that are tried

# One stand-in for a question word: the index tokens of a corpus term, and its weight.
Alternative = tuple[tuple[str, ...], float]

_CJK_BIGRAM = re.compile(r"(?=([\u4e00-\u9fff]{2}))")
_ENGLISH = re.compile(r"[a-z]{3,}")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass(frozen=True, slots=True)
class Query:
    """A normalised question and everything searching needs from it."""

    text: str  # normalised and English phrases translated
    terms: tuple[tuple[str, float], ...]  # the asker's own BM25 terms, weight 1
    # Per source word (a token, a lexicon phrase, a typo, an English unit): its stand-ins.
    # BM25 adds only the best-matching stand-in of each group, once (index.py).
    groups: tuple[tuple[Alternative, ...], ...]
    words: tuple[str, ...]  # precise-mode words the coverage is judged on
    bigrams: tuple[str, ...]  # CJK character bigrams, robust to segmentation
    asks: question_kinds.AskKind | Literal[""]  # the fact it asks for ("" for none)
    english: bool
    wants_definition: bool
    # Per coverage word: corpus words that stand for it (thesaurus, typo repair) and weights.
    alternates: dict[str, tuple[tuple[str, float], ...]]

    @property
    def highlight(self) -> tuple[str, ...]:
        """Terms worth bold in a quoted clause."""
        return tuple(t for t in self.weights() if len(t) >= 2)

    def weights(self) -> dict[str, float]:
        """Every search token with the most it can weigh: own words first, then stand-ins."""
        out = dict(self.terms)
        for group in self.groups:
            for tokens, weight in group:
                for token in tokens:
                    if weight > out.get(token, 0.0):
                        out[token] = weight
        return out


@dataclass(frozen=True, slots=True)
class Wording:
    """A question folded (width, script, case) and with English phrases translated, once."""

    folded: Folded
    translated: Folded


def read_question(text: str, tokenizer: Tokenizer) -> Wording:
    """Fold a question and translate its English phrases: the one normalisation it gets."""
    folded = fold_for_search(text)
    return Wording(folded, tokenizer.translate(folded))


def prepare(
    wording: Wording,
    tokenizer: Tokenizer,
    expander: Expander,
    focus: str = "",
    weights: ExpansionWeights = DEFAULT_WEIGHTS,
) -> Query:
    """Prepare a question; `focus` is its translated text without document names, if known."""
    asked = question_kinds.read(wording.folded)
    # The phrases that only ask (是什么意思, what does … mean) are not words to find.
    folded, translated = asked.plain(wording.folded), asked.plain(wording.translated)
    english = bool(_ENGLISH.search(folded))
    own = tokenizer.own_tokens(translated)
    mine = set(own)
    groups: dict[str, dict[tuple[str, ...], float]] = {}

    def stand_in(source: str, term: str, weight: float) -> None:
        """One more corpus term for a source word; tokens the asker typed are not repeated."""
        tokens = tuple(t for t in tokenizer.tokens(term) if t not in mine)
        if tokens and weight > 0:
            group = groups.setdefault(source, {})
            if weight > group.get(tokens, 0.0):
                group[tokens] = weight

    phrases = tokenizer.lexicon_phrases(translated, own)
    for phrase, formal, curated in phrases:
        for term in formal:
            stand_in(phrase, term, weights.curated if curated else weights.lexicon)
    for token in own:
        for synonym in expander.synonyms_of(token):
            stand_in(token, synonym, weights.thesaurus)
        for near in expander.related_to(token):
            stand_in(token, near, weights.related)
    # Homophone typos, where the asker's segmentation points to one (retrieval/words/typos.py).
    said = tokenizer.words(translated)
    repairs = believed(translated, said, tokenizer, expander)
    for window, fix in repairs:
        stand_in(window, fix, weights.typo)
    bridged = _bridged(said, tokenizer, expander, weights)
    for word, targets in bridged.items():
        for target, share in targets:
            stand_in(word, target, weights.bridge * share)
    units = expander.english_units(folded, tokenizer.glossary) if english else []
    for key, terms, weight in units:
        for term in terms:
            stand_in(key, term, weight)
    basis = asked.plain(focus) or translated
    words = (tokenizer.words(basis) if basis != translated else said) or said
    alternates = {
        word: tuple(
            [(syn, weights.thesaurus) for syn in expander.synonyms_of(word)]
            + [(near, weights.related) for near in expander.related_to(word)]
            + [(fix, weights.typo) for window, fix in repairs if window in word or word in window]
            + [
                (term, weights.curated)
                for phrase, formal, curated in phrases
                if curated and word in phrase
                for formal_term in formal
                for term in _findable(formal_term, tokenizer)
            ]
            + [
                (target, weights.bridge_coverage * share)
                for target, share in bridged.get(word, ())
                if weights.bridge_coverage > 0
            ]
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
        terms=tuple((t, 1.0) for t in dict.fromkeys(own)),
        groups=tuple(tuple(g.items()) for g in groups.values()),
        words=tuple(dict.fromkeys(words)),
        bigrams=tuple(dict.fromkeys(_CJK_BIGRAM.findall(basis))),
        asks=asked.kind,
        english=english,
        wants_definition=asked.definition,
        alternates={w: a for w, a in alternates.items() if a},
    )


def _bridged(
    said: list[str], tokenizer: Tokenizer, expander: Expander, weights: ExpansionWeights
) -> dict[str, list[tuple[str, float]]]:
    """Learned translations of the question's words that the corpus has, each with its
    probability as a share of the word's likeliest one."""
    if weights.bridge <= 0 and weights.bridge_coverage <= 0:
        return {}
    out: dict[str, list[tuple[str, float]]] = {}
    for word in dict.fromkeys(said):
        found = [(t, p) for t, p in tokenizer.bridge.get(word, ()) if t in expander.vocabulary]
        if found:
            top = max(p for _, p in found)
            ranked = sorted(found, key=lambda pair: -pair[1])[:BRIDGE_TERMS]
            out[word] = [(t, p / top) for t, p in ranked]
    return out


def _findable(term: str, tokenizer: Tokenizer) -> list[str]:
    """The index tokens a term is found by: itself, or its longest tokens when it is a phrase."""
    tokens = tokenizer.tokens(term)
    if term in tokens:
        return [term]
    longest = max((len(t) for t in tokens), default=0)
    return [t for t in tokens if len(t) == longest and len(t) >= 2]
