"""Answers must not change when only speed work is done: record them once, compare afterwards.

    .venv/bin/python -m benchmarks.answer_snapshot --write /tmp/answers.json          # before
    .venv/bin/python -m benchmarks.answer_snapshot --check /tmp/answers.json          # after
    .venv/bin/python -m benchmarks.answer_snapshot --write F --laws --work /tmp/laws  # + laws

Questions: the dev set's (../shared/eval/dev_qa.jsonl, else the committed copy), the generated
test split (tests/fixtures/generated/test.jsonl) and the speed benchmark's mix of routing forms
(document names, references in every form, headings, English, empty, 800 characters) over the
bundled library; with --laws, the same again over the seeds plus the laws (copied at run time),
where scoped searches and the large-library scoring paths are taken. Per question: mode,
status, note, missing title, the hits and suggestions (document, ordinal, score as the answer
rounds it to 4 places) and the highlight terms. Only the questions' text is read from the sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.laws_library import LAWS, laws_library, routing_mix
from config.settings import BUNDLED_CORPUS, LEXICON_DIR, PROJECT_ROOT
from retrieval.library import Library, LibraryPaths
from retrieval.model import Answer

_SHARED_DEV = PROJECT_ROOT.parent / "shared" / "eval" / "dev_qa.jsonl"
_OWN_DEV = PROJECT_ROOT / "tests" / "fixtures" / "dev_qa.jsonl"
DEV = _SHARED_DEV if _SHARED_DEV.is_file() else _OWN_DEV
TEST = PROJECT_ROOT / "tests" / "fixtures" / "generated" / "test.jsonl"


def questions_of(path: Path) -> list[str]:
    return [json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()]


def record(answer: Answer) -> dict[str, Any]:
    return {
        "mode": answer.mode,
        "status": answer.status,
        "note": answer.note,
        "missing": answer.missing,
        "hits": [[h.clause.doc_id, h.clause.ordinal, round(h.score, 4)] for h in answer.hits],
        "suggestions": [[h.clause.doc_id, h.clause.ordinal] for h in answer.suggestions],
        "terms": list(answer.terms),
        "card": answer.card is not None,
    }


def snapshot(library: Library, questions: list[str]) -> dict[str, Any]:
    return {q: record(library.answer(q)) for q in questions}


def take(laws: Path | None, work: Path | None) -> dict[str, Any]:
    questions = [*questions_of(DEV), *questions_of(TEST)]
    bundled = Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))
    out = {"bundled": snapshot(bundled, [*questions, *routing_mix(bundled, 40)])}
    if laws is not None:
        big = laws_library(laws, work)
        out["laws"] = snapshot(big, [*questions, *routing_mix(big, 150)])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path)
    mode.add_argument("--check", type=Path)
    parser.add_argument("--laws", type=Path, nargs="?", const=LAWS, default=None)
    parser.add_argument("--work", type=Path, help="keep the laws' copy and cache here")
    args = parser.parse_args()
    if args.write:
        taken = take(args.laws, args.work)
        args.write.write_text(json.dumps(taken, ensure_ascii=False, indent=0))
        print(f"recorded {sum(len(v) for v in taken.values())} answers in {args.write}")
        return
    expected = json.loads(args.check.read_text())
    laws = args.laws if args.laws is not None else (LAWS if "laws" in expected else None)
    taken = take(laws, args.work)
    differ = 0
    for library, answers in expected.items():
        for question, want in answers.items():
            got = taken[library].get(question)
            if got != want:
                differ += 1
                if differ <= 10:
                    print(f"[{library}] {question[:60]!r}\n  was {want}\n  now {got}")
    total = sum(len(v) for v in expected.values())
    print(f"{total - differ}/{total} answers identical")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
