"""The bundled documents plus every law of ../shared/laws as one library: the dev set's
figures beside the bundled-only ones, and held-out name and reference questions generated
from the laws' own titles and articles (nothing here is tuned on them).

    .venv/bin/python -m benchmarks.laws_library [--laws ../shared/laws] [--dev FILE] [--n 300]

The laws are copied into a temporary corpus directory at run time, never into the project.
A generated question counts as right when the first hit is the asked article (its label) of
a document of the asked title. For the dev set, a question the big library answers from
another law counts as a miss (strict): the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from config.settings import BUNDLED_CORPUS, LEXICON_DIR, PROJECT_ROOT
from retrieval.evaluate import evaluate, report
from retrieval.library import Library, LibraryPaths
from retrieval.model import Answer, Document
from retrieval.naming import abbreviation_forms, core_title
from retrieval.numbering import int_to_cn

LAWS = PROJECT_ROOT.parent / "shared" / "laws"
DEV = PROJECT_ROOT.parent / "shared" / "eval" / "dev_qa.jsonl"


def copy_corpus(laws: Path, target: Path) -> Path:
    """Seeds and the laws (with their sub-folders) in one corpus directory."""
    for path in BUNDLED_CORPUS.iterdir():
        shutil.copy(path, target / path.name)
    shutil.copytree(laws, target / "laws")
    return target


def reference_questions(
    library: Library, n: int, seed: int = 7
) -> list[tuple[str, str, str, str]]:
    """(form, question, core title, article label) for n random articles of current laws:
    the title, the title with Arabic numerals, without 第, a complete abbreviation, English."""
    rng = random.Random(seed)
    laws = [
        d
        for d in library.documents
        if d.kind == "regulation" and not d.superseded and d.sources[0].startswith("laws/")
    ]
    out = []
    for doc in rng.sample(laws, min(n, len(laws))):
        articles = [c for c in doc.clauses if c.kind == "article" and c.path[-1][0] == "article"]
        if not articles:
            continue
        clause = rng.choice(articles)
        number = clause.path[-1][1]
        core = core_title(doc.title)
        out.append(("title 第X条", f"{core}第{int_to_cn(number)}条", core, clause.label))
        out.append(("title 第N条", f"{core}第{number}条", core, clause.label))
        out.append(("title N条", f"{core}{number}条", core, clause.label))
        out.append(("full title", f"{doc.title}第{int_to_cn(number)}条", core, clause.label))
        forms = abbreviation_forms(core, library.tokenizer.cut)
        short = sorted(a for a, whole in forms.items() if whole and a in doc.derived)
        if short:
            out.append(("abbreviation", f"{short[0]}第{int_to_cn(number)}条", core, clause.label))
        english = [a for a in doc.aliases if a.isascii() and " " in a]
        if english:
            out.append(("English", f"Article {number} of the {english[0]}", core, clause.label))
    return out


def score_references(
    library: Library, questions: list[tuple[str, str, str, str]]
) -> dict[str, tuple[int, int]]:
    """Per form: (right, asked)."""
    tally: dict[str, tuple[int, int]] = {}
    for form, question, core, label in questions:
        answer = library.answer(question)
        right = (
            answer.status == "ok"
            and bool(answer.hits)
            and core_title(answer.hits[0].doc_title) == core
            and answer.hits[0].clause.label == label
        )
        done, total = tally.get(form, (0, 0))
        tally[form] = (done + right, total + 1)
    return tally


def not_in_library_rate(library: Library, documents: list[Document]) -> tuple[int, int]:
    """Questions naming laws that are not loaded (those of the big library, asked of the
    bundled one): how many get not_in_library rather than a clause."""
    said = 0
    for doc in documents:
        answer = library.answer(f"{core_title(doc.title)}第三条")
        said += answer.status == "not_in_library"
    return said, len(documents)


def _dev(library: Library, dev: Path) -> list[str]:
    answer: Callable[[str], Answer] = library.answer
    return report(evaluate(dev, answer))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=Path, default=LAWS)
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    if not args.laws.is_dir():
        raise SystemExit(f"no laws at {args.laws}: nothing to measure")
    bundled = Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))
    with tempfile.TemporaryDirectory() as tmp:
        big = Library.load(LibraryPaths(copy_corpus(args.laws, Path(tmp)), LEXICON_DIR))
    print(f"library: {len(big.documents)} documents, {len(big.clauses)} clauses")
    if args.dev.is_file():
        print("dev set, bundled only:")
        print("\n".join(_dev(bundled, args.dev)))
        print("dev set, bundled + laws:")
        print("\n".join(_dev(big, args.dev)))
    questions = reference_questions(big, args.n)
    print(f"generated references ({len(questions)}):")
    for form, (right, total) in sorted(score_references(big, questions).items()):
        print(f"  {form:14s} {right}/{total} = {right / total:.3f}")
    laws = [d for d in big.documents if d.sources[0].startswith("laws/") and not d.superseded]
    said, total = not_in_library_rate(bundled, random.Random(7).sample(laws, 200))
    print(f"laws not loaded, asked of the bundled library: not_in_library {said}/{total}")


if __name__ == "__main__":
    main()
