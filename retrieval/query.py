"""A question prepared once for searching: weighted terms, coverage units, what it asks for.

Every later stage (scoring, coverage, abstaining, highlighting) reads this one value, so the
question is normalised, translated and tokenised exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.expansion import Expander
from retrieval.normalize import fold_for_search
from retrieval.tokenize import Tokenizer

# Expansions count below the asker's own words (weights chosen by cross-validated eval,
# `policybot eval --cv 5`); a word's own tokens always weigh 1.
LEXICON_WEIGHT = 0.8
THESAURUS_WEIGHT = 0.4
TYPO_WEIGHT = 0.8
RELATED_WEIGHT = 0.2  # a neighbouring Cilin group: half a synonym

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
    terms: tuple[tuple[str, float], ...]  # BM25 terms with their weights, own words first
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
    folded, translated = wording.folded, wording.translated
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
    for _, fix in repairs:
        for part in tokenizer.tokens(fix):
            add(part, TYPO_WEIGHT)
    units = expander.english_units(folded, tokenizer.glossary) if english else []
    for _, terms, weight in units:
        for term in terms:
            for part in tokenizer.tokens(term):
                add(part, weight)
    basis = focus or translated
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
        text=translated,
        terms=tuple(weighted.items()),
        words=tuple(dict.fromkeys(words)),
        bigrams=tuple(dict.fromkeys(_CJK_BIGRAM.findall(basis))),
        asks=_asks(folded),
        english=english,
        wants_definition=bool(_ASKS_DEFINITION.search(folded)),
        alternates={w: a for w, a in alternates.items() if a},
    )


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
