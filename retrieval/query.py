"""A question prepared once for searching: weighted terms, coverage units, what it asks for.

Every later stage (scoring, coverage, abstaining, highlighting) reads this one value, so the
question is normalised, translated and tokenised exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.expansion import Expander
from retrieval.normalize import fold_for_search
from retrieval.ranking import ExpansionWeights
from retrieval.tokenize import Tokenizer

# Expansions count below the asker's own words; a word's own tokens always weigh 1. These are
# the defaults; ranking.json's "expansion" table (fitted on the train splits) overrides them.
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

# Questions that want a figure, a date or a name are only answered by a clause stating one:
# 拨了多少钱, 哪一天施行, 判几年, 主任是哪位, how much / when / which province.
_ASKS_AMOUNT = re.compile(
    r"多少.{0,3}[钱费元]|[收罚交花拨扣补].{0,2}多少|几[块万]"
    r"|\bhow much (?:money|is|does it cost)|\bfees?\b"
)
_ASKS_DAY = re.compile(r"哪一?天|几月几[号日]|几号|\bwhat date\b|\bwhich day\b")
_ASKS_DATE = re.compile(
    r"什么时候|何时|哪一年|哪年|多久|多长时间|^\s*when\b"
    r"|\bwhen (?:did|was|were|will|is|does|do)\b|\bhow long\b"
)
# 好几个/十几家/这几个 are quantities in passing, not questions.
_ASKS_COUNT = re.compile(
    r"多少[个家项所条位名分只]|(?<![好十这那])几[个家项所条位名省年只](?!十)"
    r"|\bhow many\b|\bhow much\b"
)
# 什么是X, X是指什么, X的定义: laws answer these in one sentence (本条例所称X，是指…).
_ASKS_DEFINITION = re.compile(
    r"什么是|是指什么|指的是什么|指什么|是什么意思|什么意思|的定义|的含义|怎么定义|如何定义"
    r"|\bwhat (?:is|are|does) (?:an? |the )?\w+(?: \w+)? mean\b"
    r"|\bdefin(?:e|ition)\b|\bmeaning of\b"
)
# A phone number, a website or an address is only answered by a clause that gives one.
_ASKS_CONTACT = re.compile(
    r"电话|热线号码|联系方式|网址|官网|邮箱|地址在哪|办公地点|\bphone\b|\bwebsite\b|\be-?mail\b"
)
_ASKS_PERSON = re.compile(r"哪位|是谁|谁是|叫什么名字|\bwho is\b")
# 哪个省排第一, 排名前十的城市, which province ranks first: only a stated ranking answers.
_ASKS_RANK = re.compile(
    r"排名|排第几|排在?第|排前|哪[个些一]?.{0,4}(?:省|市|城市|地区|国家|部门).{0,8}(?:最[好强高]|第一)"
    r"|\branks?(?:ed)? (?:first|top|highest|best)\b|\branking\b|\btop[- ]ranked\b"
)


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
    asks: str  # "amount", "day", "date", "count", "person", "rank", "contact" or ""
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

    folded: str
    translated: str


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
    folded, translated = wording.folded, wording.translated
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
    # A repair stands for one of the asker's words that the corpus does not know: a stretch
    # that straddles two words (的高 in 的高铁) or lies inside a known one (字政 in 数字政府)
    # is a coincidence of sounds, not a typo.
    said = tokenizer.words(translated)
    spoken = [w for w in said if w not in expander.vocabulary]
    repairs = [
        (window, fix)
        for window, fix in expander.repaired(translated)
        if any(window in word or word in window for word in spoken)
    ]
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
    basis = focus or translated
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
        text=translated,
        terms=tuple((t, 1.0) for t in dict.fromkeys(own)),
        groups=tuple(tuple(g.items()) for g in groups.values()),
        words=tuple(dict.fromkeys(words)),
        bigrams=tuple(dict.fromkeys(_CJK_BIGRAM.findall(basis))),
        asks=_asks(folded),
        english=english,
        wants_definition=bool(_ASKS_DEFINITION.search(folded)),
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


def _asks(text: str) -> str:
    for kind, pattern in (
        ("amount", _ASKS_AMOUNT),
        ("day", _ASKS_DAY),
        ("date", _ASKS_DATE),
        ("count", _ASKS_COUNT),
        ("person", _ASKS_PERSON),
        ("rank", _ASKS_RANK),
        ("contact", _ASKS_CONTACT),
    ):
        if pattern.search(text):
            return kind
    return ""
