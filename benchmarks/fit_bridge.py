"""Learn config/data/bridge.tsv: question word → clause word translations (IBM Model 1).

    .venv/bin/python -m benchmarks.fit_bridge          # ~1 min with the all-laws library cached

Pairs are the train splits only (benchmarks/datasets.py): STARD train's 80 % and the generated
train split, each question's words against its gold clauses' words. Never the dev set, the
STARD test split or the generated test split.
"""

from __future__ import annotations

import argparse
import functools
import re
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path

import jieba.posseg as posseg

from benchmarks import datasets
from config.settings import LEXICON_DIR
from retrieval.library import Library
from retrieval.words.alignment import Translation, bridges
from retrieval.words.normalize import fold_for_search, fold_layout
from retrieval.words.tokenize import Tokenizer

TARGET = LEXICON_DIR / "bridge.tsv"
MIN_QUESTIONS = 3
MIN_PROBABILITY = 0.04
MIN_LIFT = 30.0
PER_WORD = 4
# jieba part-of-speech tags of words that carry no matter: pronouns, conjunctions, adverbs,
# numerals, time, measure words, prepositions, particles, localisers.
FUNCTION_TAGS = ("r", "c", "d", "m", "t", "q", "p", "u", "y", "e", "f", "o", "x", "z")
_CJK = re.compile(r"^[\u4e00-\u9fff]{2,}$")
# Words of asking, not of the matter asked about: they would only learn the clauses' boilerplate.
QUESTION_WORDS = frozenset(
    """怎么 怎么办 怎么样 怎样 什么 什么样 为什么 为啥 如何 哪些 哪个 哪里 哪儿 是否 能否
    能不能 可不可以 是不是 有没有 可以 需要 应该 应当 要不要 会不会 一般 这个 那个 这种 这些
    这样 那么 还是 或者 自己 我们 他们 你们 别人 人家 现在 已经 时候 情况 问题 规定 法律 请问
    咨询 知道 到底 一下 吗 呢 吧 啊""".split()  # noqa: SIM905
)


def gold_clauses(
    library: Library, items: list[dict[str, object]]
) -> Iterator[tuple[dict[str, object], list[str]]]:
    """(item, its gold clauses' folded texts) for every answerable item whose gold snippets
    are found in the library's clauses."""
    texts = [fold_layout(c.text) for c in library.clauses]
    for item, positions in gold_positions(library, items):
        yield item, [texts[p] for p in positions]


def gold_positions(
    library: Library, items: list[dict[str, object]]
) -> list[tuple[dict[str, object], list[int]]]:
    """(item, its gold clauses' positions) for answerable items whose snippets are found."""
    texts = [fold_layout(c.text) for c in library.clauses]
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    blob = "\x00".join(texts)
    out = []
    for item in items:
        if item.get("expect") != "answer":
            continue
        found: set[int] = set()
        for gold in item["gold"]:  # type: ignore[attr-defined]
            for snippet in gold.get("snippets", []):
                at = blob.find(fold_layout(snippet))
                if at >= 0:
                    found.add(bisect_right(starts, at) - 1)
        if found:
            out.append((item, sorted(found)))
    return out


def pairs(library: Library, items: list[dict[str, object]]) -> list[tuple[list[str], list[str]]]:
    """(question words, gold clause words) for every answerable item whose gold is found."""
    tokenizer = library.tokenizer
    out = []
    for item, golds in gold_clauses(library, items):
        asked = question_words(str(item["query"]), tokenizer)
        said = [w for text in golds for w in clause_words(text, tokenizer)]
        if asked and said:
            out.append((asked, said))
    return out


def question_words(query: str, tokenizer: Tokenizer) -> list[str]:
    """A question's content words, English phrases translated first."""
    translated = tokenizer.translate(fold_for_search(query))
    return [w for w in tokenizer.words(translated) if _CJK.match(w) and _content(w)]


@functools.cache
def _content(word: str) -> bool:
    """Whether a question word names a matter (not 这块, 还要, 一次 or a question word)."""
    if word in QUESTION_WORDS:
        return False
    return not any(p.flag.startswith(FUNCTION_TAGS) for p in posseg.lcut(word))


def clause_words(text: str, tokenizer: Tokenizer) -> list[str]:
    """A clause's distinct content words."""
    return list(dict.fromkeys(w for w in tokenizer.words(fold_for_search(text)) if _CJK.match(w)))


def learn(training: list[tuple[list[str], list[str]]]) -> list[Translation]:
    """The bridges kept from (question words, clause words) pairs."""
    return bridges(training, MIN_QUESTIONS, MIN_PROBABILITY, MIN_LIFT, PER_WORD, iterations=10)


def table(found: list[Translation]) -> dict[str, tuple[tuple[str, float], ...]]:
    """Bridges as the tokenizer holds them (Tokenizer.bridge)."""
    out: dict[str, tuple[tuple[str, float], ...]] = {}
    for t in found:
        out[t.source] = (*out.get(t.source, ()), (t.target, t.probability))
    return out


def write(found: list[Translation], sources: str, path: Path = TARGET) -> None:
    """The bridge file with a header saying how it was made."""
    header = (
        "# Learned bridges: question word → clause word, IBM Model 1 (words/alignment.py).\n"
        "# Made by `python -m benchmarks.fit_bridge` from train splits only: "
        f"{sources}.\n"
        f"# Kept: seen together in ≥ {MIN_QUESTIONS} distinct questions, t ≥ {MIN_PROBABILITY},"
        f" lift over the clause word's share ≥ {MIN_LIFT:g}, the {PER_WORD} likeliest per word;"
        " no identities, no question or function words (jieba part of speech).\n"
        "# source<TAB>target<TAB>t(target|source)<TAB>questions\n"
    )
    lines = [f"{t.source}\t{t.target}\t{t.probability:.4f}\t{t.questions}\n" for t in found]
    path.write_text(header + "".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()
    library = datasets.library("all", datasets.law_files())
    stard_train, _ = datasets.stard_split()
    gen_train = datasets.generated("train")
    training = pairs(library, stard_train + gen_train)
    found = learn(training)
    sources = (
        f"STARD train split ({len(stard_train)} questions, seed {datasets.STARD_SEED}), "
        f"generated train split ({len(gen_train)} items); {len(training)} pairs"
    )
    write(found, sources, args.out)
    print(f"{len(found)} bridges from {len(training)} pairs → {args.out}")


if __name__ == "__main__":
    main()
