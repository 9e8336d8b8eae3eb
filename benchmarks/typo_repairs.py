"""Typo repair: how often the meant word is found in questions with typos, how often questions
without typos get a repair anyway (false repairs), and a sample of those.

.venv/bin/python -m benchmarks.typo_repairs                     # as shipped (two characters)
.venv/bin/python -m benchmarks.typo_repairs --most 1 --unbroken  # as before (one, no strays)

Typo questions: tests/fixtures/typo_questions.jsonl (our own sentences, a seed clause word
corrupted with homophones). Questions without typos: tests/fixtures/own_qa.jsonl (but for its
one typo question, 公共数剧收费标准) and, when ../shared is there, the STARD training questions
(laws, asked of the bundled corpus's words).
"""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path

from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from retrieval.question import query as query_module
from retrieval.question.query import read_question
from retrieval.words.typos import MOST_APART, believed

ROOT = Path(__file__).resolve().parent.parent
TYPOS = ROOT / "tests" / "fixtures" / "typo_questions.jsonl"
CLEAN = (
    ROOT / "tests" / "fixtures" / "own_qa.jsonl",
    ROOT.parent / "shared" / "stard" / "train.jsonl",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--most", type=int, default=MOST_APART, help="characters that may differ")
    parser.add_argument("--unbroken", action="store_true", help="no stray-character repairs")
    parser.add_argument("--sample", type=int, default=15)
    args = parser.parse_args()
    library = Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))

    def repairs(question: str) -> list[tuple[str, str]]:
        translated = read_question(question, library.tokenizer).translated
        said = library.tokenizer.words(translated)
        return believed(
            translated, said, library.tokenizer, library.expander, args.most, not args.unbroken
        )

    # Searching uses the same settings: the answer to a mistyped question is compared with the
    # answer to it typed right.
    query_module.believed = functools.partial(believed, most=args.most, broken=not args.unbroken)
    found = wrong = same = 0
    cases = [json.loads(line) for line in TYPOS.read_text(encoding="utf-8").splitlines() if line]
    for case in cases:
        fixes = repairs(case["query"])
        meant = [
            (w, f) for w, f in fixes if (case["meant"] in f or f in case["meant"]) and len(f) > 1
        ]
        others = [(w, f) for w, f in fixes if (w, f) not in meant]
        found += bool(meant)
        wrong += bool(others)
        typed = library.answer(case["query"]).hits[:1]
        right = library.answer(case["query"].replace(case["typo"], case["meant"])).hits[:1]
        same += [h.clause for h in typed] == [h.clause for h in right]
        print(f"{'✓' if meant else '✗'} {case['query']}  {case['typo']}→{case['meant']}  {fixes}")
    print(
        f"typo questions: {len(cases)}, meant word repaired in {found} ({found / len(cases):.0%}),"
    )
    print(f"  another repair besides in {wrong} ({wrong / len(cases):.0%}),")
    print(f"  first answer the same as typed right in {same} ({same / len(cases):.0%})")
    for path in CLEAN:
        if not path.exists():
            print(f"{path}: absent, skipped")
            continue
        questions = [
            json.loads(line)["query"]
            for line in path.read_text(encoding="utf-8").splitlines()
            if line
        ]
        repaired = [(q, r) for q in questions if (r := repairs(q))]
        print(
            f"{path.name}: {len(questions)} questions without typos, "
            f"{len(repaired)} repaired ({len(repaired) / len(questions):.1%})"
        )
        for question, fixes in repaired[: args.sample]:
            print(f"  {question}  {fixes}")


if __name__ == "__main__":
    main()
