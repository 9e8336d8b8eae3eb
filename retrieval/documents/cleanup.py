"""Block-level repairs: site junk, bylines, broken lines and pasted pull-quotes."""

from __future__ import annotations

import math
import re

import numpy as np

from retrieval.documents.numbering import parse_marker

TERMINAL = "。！？；…!?;"
CLOSERS = "”’」』）)》】"

# Web-page furniture seen in scraped copies (001's site header and footer, 002's editor line).
_JUNK = re.compile(
    r"欢迎您?访问|本站|热门关键词|城市切换|你觉得这篇文章|常见问题|在线留言|展会中心|展位咨询|参展咨询"
    r"|工作时间|责任编辑|版权所有|[Cc]opyright|ICP备|扫一扫|二维码|分享到|打印本页|关闭窗口"
    r"|^上一篇|^下一篇|相关阅读|相关新闻|点击查看|返回顶部|^【?字号|浏览次数|阅读量|尽在.{0,12}APP"
    r"|^[•·●▪◆■]\s*|^\d{1,6}$|^(?:当前|您现在的|您的)?位置[：:]|^首页\s*[>＞»›/]"
)
_SOURCE_LINE = re.compile(r"^[（(]?(来源|来源于|稿件来源|出处)[：:]")
_JUNK_MAX = 120


def is_junk(block: str) -> bool:
    """True for short site furniture (navigation, footers, editor lines, counters)."""
    return len(block) <= _JUNK_MAX and bool(_JUNK.search(block))


def is_source_line(block: str) -> bool:
    """True for an attribution line such as （来源：2024年第4期《旗帜杂志》）."""
    return len(block) <= _JUNK_MAX and bool(_SOURCE_LINE.match(block))


def ends_sentence(block: str) -> bool:
    """True when the block ends with sentence-final punctuation (closing quotes allowed)."""
    stripped = block.rstrip(CLOSERS + " ")
    if not stripped:
        return False
    if stripped[-1] in TERMINAL or block.rstrip()[-1:] in "”’」』":
        return True
    return block.rstrip()[-1:] in "）)" and stripped[-1] in TERMINAL


def is_running_text(block: str) -> bool:
    """True for prose (has clause punctuation or is long), as opposed to a heading or title."""
    return any(p in block for p in "，。；,;") or len(block) >= 50


def is_heading_like(block: str) -> bool:
    """A short line without sentence punctuation: a title, subheading or byline."""
    return len(block) <= 40 and not is_running_text(block) and not ends_sentence(block)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _code(gram: str) -> int:
    return (ord(gram[0]) << 21) | ord(gram[1])


class BlockBigrams:
    """Each block's bigrams (punctuation and spaces removed) and which blocks hold a bigram.

    Made once per block list: a long law asks `near_copy_elsewhere` for many of its blocks,
    and comparing each with every block made the parse quadratic (20 s, then 4 s, of a
    1,500-law build)."""

    def __init__(self, blocks: list[str]) -> None:
        self.blocks = blocks
        self._texts: list[str] = []  # made on the first question: most block lists ask none
        self._sets: dict[int, set[str]] = {}
        # (bigram code, block) pairs, sorted: the blocks holding a bigram are one run.
        self._pairs: np.ndarray | None = None
        self._grams: np.ndarray | None = None

    def of(self, at: int) -> set[str]:
        found = self._sets.get(at)
        if found is None:
            found = self._sets[at] = _bigrams(self._stripped()[at])
        return found

    def _stripped(self) -> list[str]:
        if not self._texts:
            self._texts = [re.sub(r"\W", "", b) for b in self.blocks]
        return self._texts

    def holding(self, grams: set[str], most: int) -> set[int]:
        """The blocks holding any of the `most` bigrams of `grams` that fewest blocks hold."""
        pairs, codes = self._index()
        wanted = np.array(sorted(_code(g) for g in grams), dtype=np.int64)
        starts = np.searchsorted(codes, wanted, "left")
        ends = np.searchsorted(codes, wanted, "right")
        rarest = np.argsort(ends - starts, kind="stable")[:most]
        return {int(b) for at in rarest for b in pairs[starts[at] : ends[at]]}

    def _index(self) -> tuple[np.ndarray, np.ndarray]:
        if self._pairs is None or self._grams is None:
            # One pass over all blocks: "\n" (never a \w character) keeps them apart.
            joined = "\n".join(self._stripped())
            chars = np.frombuffer(
                joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32
            ).astype(np.int64)
            block = np.cumsum(chars == ord("\n"))
            inside = (chars[:-1] != ord("\n")) & (chars[1:] != ord("\n"))
            codes = ((chars[:-1] << 21) | chars[1:])[inside]
            keys = np.sort(codes * len(self.blocks) + block[:-1][inside])
            if len(keys):  # distinct pairs (np.unique hashes: 5x slower here)
                keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
            self._grams, self._pairs = np.divmod(keys, len(self.blocks))
        return self._pairs, self._grams


def near_copy_elsewhere(index: int, blocks: list[str], grams: BlockBigrams | None = None) -> bool:
    """True when block `index` repeats, nearly word for word, text found in another block.

    Another block must hold 80 % of the block's bigrams, so it holds at least one of any
    (missing + 1) of them: only the blocks holding the rarest are compared."""
    grams = grams if grams is not None and grams.blocks is blocks else BlockBigrams(blocks)
    own = grams.of(index)
    if len(own) < 8:
        return False
    needed = 0.8 * len(own)
    shortest = len(blocks[index]) * 0.8
    for other in grams.holding(own, len(own) - math.ceil(needed) + 1):
        if other == index or len(blocks[other]) < shortest:
            continue
        if len(own & grams.of(other)) >= needed:
            return True
    return False


def join_broken_lines(blocks: list[str], quotes: bool = True) -> tuple[list[str], list[str]]:
    """Rejoin sentences broken across lines; drop pull-quotes pasted inside them.

    000 breaks sentences at page boundaries; 003 pastes short pull-quotes (repeats of
    sentences elsewhere in the article) into a sentence that resumes a few lines later.
    Returns the blocks and the dropped pull-quotes; `quotes=False` drops none (a law's
    articles quote no pull-quotes, and its list items repeat each other's words).
    """
    out: list[str] = []
    dropped: list[str] = []
    grams = BlockBigrams(blocks)
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        while _continues(block) and i < len(blocks):
            j = i
            # The cheap tests first: only a short sentence can be a pasted pull-quote.
            while (
                quotes
                and j < len(blocks) - 1
                and len(blocks[j]) <= 80
                and not parse_marker(blocks[j])  # a list item repeats its siblings' words
                and ends_sentence(blocks[j])
                and near_copy_elsewhere(j, blocks, grams)
            ):
                j += 1
            nxt = blocks[j]
            if parse_marker(nxt) or is_heading_like(nxt) or is_junk(nxt):
                break
            dropped.extend(blocks[i:j])
            block += nxt
            i = j + 1
        out.append(block)
    return out, dropped


def _continues(block: str) -> bool:
    """A block that stops mid-sentence: prose that lacks final punctuation."""
    return not ends_sentence(block) and is_running_text(block)
