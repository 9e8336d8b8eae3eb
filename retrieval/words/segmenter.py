"""jieba's segmenter with its best-path search in compiled code: the same tokens, ~2x faster.

jieba spends most of a corpus build in two Python loops per sentence, the word graph
(`get_DAG`) and the best path through it (`calc`). jieba-next ships both as one compiled
call over a trie built from jieba's own prefix dictionary (user words included); the rest
(the regex blocks, the HMM for unknown words, search mode's 2- and 3-grams) stays jieba's.
Tokens agree with jieba on every clause of the bundled documents and the 1,498 laws
(`benchmarks/segmenter_agreement.py`); a test checks them on the seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jieba
from jieba import finalseg

# A sentence -> for each character, the index of the last character of the word starting there.
Route = Callable[[str], list[int]]


def compiled_route(segmenter: jieba.Tokenizer) -> Route | None:
    """jieba-next's word graph + best path over `segmenter`'s dictionary as it is now, or None
    when jieba-next is not installed.

    Imported only where a whole corpus is segmented: the package costs ~0.15 s to import,
    more than one question's segmentation saves."""
    try:
        from jieba_next import jieba_next_rust
    except ImportError:
        return None
    segmenter.check_initialized()
    trie = jieba_next_rust.PrefixDict(segmenter.FREQ, float(segmenter.total))
    route: Route = trie.get_dag_and_calc
    return route


class CompiledRoute(jieba.Tokenizer):  # type: ignore[misc]
    """A jieba.Tokenizer whose accurate mode (with HMM) walks a compiled best path."""

    route: Route

    @classmethod
    def from_jieba(cls, segmenter: jieba.Tokenizer, route: Route) -> CompiledRoute:
        """The same dictionary, user words and state as `segmenter`, sharing them; words
        added to either later would not reach the route's trie (none are)."""
        fast: CompiledRoute = cls.__new__(cls)
        fast.__dict__.update(segmenter.__dict__)
        fast.route = route
        return fast

    # jieba's `cut` calls its private `__cut_DAG` (mangled to this name) for each block of
    # Chinese text in accurate mode with HMM: the loop below is jieba 0.42.1's, reading the
    # best path as a list of word ends instead of a dict of (score, end).
    def _Tokenizer__cut_DAG(self, sentence: str) -> Iterator[str]:  # noqa: N802
        self.check_initialized()
        ends = self.route(sentence)
        freq: dict[str, Any] = self.FREQ
        at, pending, size = 0, "", len(sentence)
        while at < size:
            end = ends[at] + 1
            if end - at == 1:
                pending += sentence[at]
            else:
                if pending:
                    yield from _unknown(pending, freq)
                    pending = ""
                yield sentence[at:end]
            at = end
        if pending:
            yield from _unknown(pending, freq)


def _unknown(run: str, freq: dict[str, Any]) -> Iterator[str]:
    """A run of single characters: one character, a known word spelt out, or the HMM's words."""
    if len(run) == 1:
        yield run
    elif not freq.get(run):
        yield from finalseg.cut(run)
    else:
        yield from run
