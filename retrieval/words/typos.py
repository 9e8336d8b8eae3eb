"""Which homophone repairs of a question to believe (the candidates: Expander.repaired).

A stretch that sounds like a corpus word is taken for a typo of it only when the asker's own
segmentation points that way: the stretch holds or lies in a word the corpus does not know
(数剧, 个仁信细), or it is a run of stray single characters the typo broke a word into (瓶|抬
for 平台). Straddling two words (的高 in 的高铁) or lying inside a known one (字政 in 数字政府) is
a coincidence of sounds. Two characters may differ only when the stretch is no dictionary word
and lies in none: 公想 stands for 共享, but 正午 and 教义 were meant as typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.words.expansion import Expander, chars_apart
from retrieval.words.tokenize import Tokenizer

MOST_APART = 2  # characters a stretch may differ from the word it stands for
_CJK = re.compile(r"[\u4e00-\u9fff]")


def believed(
    text: str,
    said: Sequence[str],
    tokenizer: Tokenizer,
    expander: Expander,
    most: int = MOST_APART,
    broken: bool = True,
) -> list[tuple[str, str]]:
    """The (stretch, corpus word) repairs of a (translated) question worth searching for;
    `most` and `broken` (stray characters count) let benchmarks.typo_repairs compare."""
    spoken = [w for w in said if w not in expander.vocabulary]
    layout: _Layout | None = None  # the question's stray characters, found only when needed
    out: list[tuple[str, str]] = []
    for window, fix in expander.repaired(text, most=most):
        two = chars_apart(window, fix) > 1
        if two and tokenizer.known([window]):
            continue
        # Two sounds inside a dictionary word (据交 in 数据交易所) are that word, typed right.
        if any(
            word in window or (window in word and not (two and tokenizer.known([word])))
            for word in spoken
        ):
            out.append((window, fix))
            continue
        if not broken:
            continue
        layout = layout or _Layout.of(text, tokenizer)
        if layout.broken_word(text, window):
            out.append((window, fix))
    return out


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a question's stray characters are: single-character tokens that are not stop
    words (a typo often breaks a word into these: 瓶|抬 for 平台, 出|竞 for 出境)."""

    stray: frozenset[int]

    @classmethod
    def of(cls, text: str, tokenizer: Tokenizer) -> _Layout:
        stray = set()
        at = 0
        for token in tokenizer.segments(text):
            if len(token) == 1 and _CJK.match(token) and token not in tokenizer.lexicon.stopwords:
                stray.add(at)
            at += len(token)
        return cls(frozenset(stray))

    def broken_word(self, text: str, window: str) -> bool:
        """Whether the window occurs as a run of stray characters only."""
        start = text.find(window)
        while start >= 0:
            if all(at in self.stray for at in range(start, start + len(window))):
                return True
            start = text.find(window, start + 1)
        return False
