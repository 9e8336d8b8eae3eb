"""Block-level repairs: site junk, bylines, broken lines and pasted pull-quotes."""

from __future__ import annotations

import re

from retrieval.documents.numbering import parse_marker

TERMINAL = "。！？；…!?;"
CLOSERS = "”’」』）)》】"

# Web-page furniture seen in scraped copies (001's site header and footer, 002's editor line).
_JUNK = re.compile(
    r"欢迎您?访问|本站|热门关键词|城市切换|你觉得这篇文章|常见问题|在线留言|展会中心|展位咨询|参展咨询"
    r"|工作时间|责任编辑|版权所有|[Cc]opyright|ICP备|扫一扫|二维码|分享到|打印本页|关闭窗口"
    r"|^上一篇|^下一篇|相关阅读|相关新闻|点击查看|返回顶部|^【?字号|浏览次数|阅读量|尽在.{0,12}APP"
    r"|^[•·●▪◆■]\s*|^\d{1,6}$"
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


def near_copy_elsewhere(
    index: int, blocks: list[str], grams: dict[int, set[str]] | None = None
) -> bool:
    """True when block `index` repeats, nearly word for word, text found in another block.

    `grams` remembers each block's bigrams across calls on the same blocks: a long law asks
    this for many of its blocks, and recomputing every block's bigrams each time made the
    parse quadratic (20 s of a 1,500-law build)."""
    memo: dict[int, set[str]] = {} if grams is None else grams

    def of(at: int) -> set[str]:
        found = memo.get(at)
        if found is None:
            found = memo[at] = _bigrams(re.sub(r"\W", "", blocks[at]))
        return found

    own = of(index)
    if len(own) < 8:
        return False
    for other, block in enumerate(blocks):
        if other == index or len(block) < len(blocks[index]) * 0.8:
            continue
        shared = own & of(other)
        if len(shared) >= 0.8 * len(own):
            return True
    return False


def join_broken_lines(blocks: list[str]) -> tuple[list[str], list[str]]:
    """Rejoin sentences broken across lines; drop pull-quotes pasted inside them.

    000 breaks sentences at page boundaries; 003 pastes short pull-quotes (repeats of
    sentences elsewhere in the article) into a sentence that resumes a few lines later.
    Returns the blocks and the dropped pull-quotes.
    """
    out: list[str] = []
    dropped: list[str] = []
    grams: dict[int, set[str]] = {}
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        while _continues(block) and i < len(blocks):
            j = i
            # The cheap tests first: only a short sentence can be a pasted pull-quote.
            while (
                j < len(blocks) - 1
                and len(blocks[j]) <= 80
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
