"""The bundled documents plus every law of ../shared/laws as one library: the dev set's
figures beside the bundled-only ones, and held-out name and reference questions generated
from the laws' own titles and articles (nothing here is tuned on them).

    .venv/bin/python -m benchmarks.laws_library [--laws ../shared/laws] [--dev FILE] [--n 300]
    .venv/bin/python -m benchmarks.laws_library --speed --work /tmp/laws   # answer latency
    .venv/bin/python -m benchmarks.laws_library --titles --work /tmp/laws  # titles → 库中没有?

The laws are copied into a temporary corpus directory at run time, never into the project.
A generated question counts as right when the first hit is the asked article (its label) of
a document of the asked title. For the dev set, a question the big library answers from
another law counts as a miss (strict): the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from config.settings import BUNDLED_CORPUS, LEXICON_DIR, PROJECT_ROOT
from retrieval.documents.naming import abbreviation_forms, core_title
from retrieval.documents.numbering import int_to_cn
from retrieval.evaluation.evaluate import evaluate, report
from retrieval.library import Library, LibraryPaths
from retrieval.model import Answer, Document

LAWS = PROJECT_ROOT.parent / "shared" / "laws"
DEV = PROJECT_ROOT.parent / "shared" / "eval" / "dev_qa.jsonl"
TEST = PROJECT_ROOT / "tests" / "fixtures" / "generated" / "test.jsonl"


def copy_corpus(laws: Path, target: Path) -> Path:
    """Seeds and the laws (with their sub-folders) in one corpus directory."""
    for path in BUNDLED_CORPUS.iterdir():
        shutil.copy(path, target / path.name)
    shutil.copytree(laws, target / "laws")
    return target


def routing_mix(library: Library, count: int, seed: int = 11) -> list[str]:
    """Document names, references in every form and heading questions over this library."""
    rng = random.Random(seed)
    docs = [d for d in library.documents if d.clauses and not d.superseded]
    headings = sorted({c.heading for c in library.clauses if c.heading})
    out = []
    for _ in range(count):
        doc = rng.choice(docs)
        name = doc.short or doc.title
        clause = rng.choice(list(doc.clauses))
        n = rng.randint(1, 120)
        out += [
            f"{name}第{int_to_cn(n)}条",
            f"《{doc.title}》 第{n}条讲了什么",
            f"{name}第{int_to_cn(rng.randint(1, 8))}章",
            f"{name}里{clause.heading or clause.text[:8]}是怎么规定的？",
            f"{name} {int_to_cn(rng.randint(1, 6))}（{rng.randint(1, 9)}）",
            f"{name} {rng.randint(1, 6)}.{rng.randint(1, 9)}",
            rng.choice(headings) if headings else "主要任务",
            name,
            clause.text[:30],
        ]
    return [*out, "第十条", "", "数据安全" * 200, "How should public data be shared?"]


def laws_library(laws: Path, work: Path | None) -> Library:
    """Seeds + laws; with `work`, copied there once and cached there (a re-check loads)."""
    if work is None:
        with tempfile.TemporaryDirectory() as tmp:
            return Library.load(LibraryPaths(copy_corpus(laws, Path(tmp)), LEXICON_DIR))
    corpus = work / "corpus"
    if not corpus.is_dir():
        corpus.mkdir(parents=True)
        copy_corpus(laws, corpus)
    return Library.load(LibraryPaths(corpus, LEXICON_DIR, work / "cache"))


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


def loaded_titles_missing(library: Library) -> tuple[list[str], int]:
    """Every current document asked for by its full title — as written, without the leading
    中华人民共和国, without it in the title quoted (《担保法》), without 《》 marks, and in a
    reference (第一条): the titles any of whose questions got not_in_library, of how many."""
    docs = [d for d in library.documents if d.clauses and not d.superseded]
    missing = []
    for doc in docs:
        title = doc.title
        forms = {
            title,
            title.removeprefix("中华人民共和国"),
            re.sub(r"(?<=[《〈])中华人民共和国", "", title),
            re.sub(r"[《》〈〉]", "", title),
        }
        forms |= {f"{form}第一条" for form in forms}
        if any(library.answer(form).status == "not_in_library" for form in forms):
            missing.append(title)
    return missing, len(docs)


def _dev(library: Library, dev: Path) -> list[str]:
    answer: Callable[[str], Answer] = library.answer
    return report(evaluate(dev, answer))


def speed(library: Library, dev: Path) -> None:
    """Answer latency over a realistic mix: the dev set's and the generated test split's
    questions (people's words about the bundled documents and the laws), names, references in
    every form (with titles, abbreviations, English), headings, empty and 800 characters."""
    from benchmarks.retrieval import summary, timed

    asked = [dev, TEST] if dev.is_file() else [TEST]
    questions = [json.loads(line)["query"] for path in asked for line in path.open() if line]
    questions += routing_mix(library, 150)
    questions += [q for _, q, _, _ in reference_questions(library, 100, seed=3)]
    random.Random(5).shuffle(questions)
    for text in questions[:20]:
        library.answer(text)  # first-touch caches, as a running bot has them
    wall, cpu = timed(library.answer, questions)
    print(f"answers over {len(questions)} questions: {summary(wall, cpu)}")
    searched = [n for n, text in enumerate(questions) if library.answer(text).mode == "search"]
    print(
        f"  of which searches ({len(searched)}): "
        f"{summary([wall[n] for n in searched], [cpu[n] for n in searched])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=Path, default=LAWS)
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--speed", action="store_true", help="answer latency only")
    parser.add_argument("--titles", action="store_true", help="loaded titles said missing only")
    parser.add_argument("--work", type=Path, help="keep the laws' copy and cache here")
    args = parser.parse_args()
    if not args.laws.is_dir():
        raise SystemExit(f"no laws at {args.laws}: nothing to measure")
    if args.titles:
        missing, total = loaded_titles_missing(laws_library(args.laws, args.work))
        print(f"loaded titles answered not_in_library: {len(missing)}/{total}")
        print("\n".join(f"  {title}" for title in missing))
        return
    if args.speed:
        started = time.perf_counter()
        big = laws_library(args.laws, args.work)
        print(
            f"library: {len(big.clauses)} clauses, loaded in {time.perf_counter() - started:.1f}s"
        )
        speed(big, args.dev)
        return
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
