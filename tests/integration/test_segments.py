"""Per-file index segments: a corpus change re-segments only the files it touched, and the
library merged from kept segments answers exactly as a rebuild of the same files from nothing."""

from __future__ import annotations

import json
import pickle
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from retrieval.storage.segments import FOLDER, Counts
from retrieval.words.expansion import Expander
from tests.make_documents import blocks_of, write_docx, write_pdf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
QUESTIONS = [
    json.loads(line)["query"]
    for line in (FIXTURES / "dev_qa.jsonl").read_text(encoding="utf-8").splitlines()[:40]
] + ["社会信用信息的归集", "数据二十条第三条", "信用修复", "Article 3 of the credit regulation"]


@pytest.fixture
def corpus(tmp_path: Path, regulation_file: Path) -> Path:
    """The seeds, the extra regulation, and a PDF and a Word version of one seed."""
    directory = tmp_path / "corpus"
    directory.mkdir()
    for path in sorted(BUNDLED_CORPUS.iterdir()):
        shutil.copy(path, directory / path.name)
    shutil.copy(regulation_file, directory / regulation_file.name)
    seed = sorted(BUNDLED_CORPUS.iterdir())[0]
    write_pdf(blocks_of(seed)[:40], directory / "generated-copy.pdf")
    write_docx(blocks_of(seed)[40:80], directory / "generated-part.docx")
    return directory


def load(corpus: Path, cache: Path) -> Library:
    return Library.load(LibraryPaths(corpus, LEXICON_DIR, cache), workers=1)


def answers(library: Library) -> list[str]:
    return [repr(library.answer(q)) for q in QUESTIONS]


def edit(path: Path) -> None:
    """Change one article's wording, as an amended file would."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("社会信用", "公共信用", 3), encoding="utf-8")


def test_counted_terms_are_one_string_a_term_wherever_they_are_made() -> None:
    # A worker's segments arrive pickled: the building process keeps one string a term.
    first = Counts.of(["劳动", "合同", "劳动"])
    again = Counts.of(["".join(["劳", "动"])])  # equal, made apart
    arrived = pickle.loads(pickle.dumps(Counts(("".join(["合", "同"]),), (1,), 1)))
    assert (first.terms, first.tfs, first.length) == (("劳动", "合同"), (2, 1), 3)
    assert again.terms[0] is first.terms[0]
    assert arrived.terms[0] is first.terms[1]


def test_a_first_build_segments_every_file(corpus: Path, tmp_path: Path) -> None:
    library = load(corpus, tmp_path / "cache")
    assert library.segmented == len(list(corpus.iterdir()))


def test_a_changed_file_is_the_only_one_segmented(
    corpus: Path, tmp_path: Path, regulation_file: Path
) -> None:
    load(corpus, tmp_path / "cache")
    edit(corpus / regulation_file.name)
    assert load(corpus, tmp_path / "cache").segmented == 1


def test_an_added_file_is_the_only_one_segmented(corpus: Path, tmp_path: Path) -> None:
    load(corpus, tmp_path / "cache")
    seed = sorted(BUNDLED_CORPUS.iterdir())[1]
    write_docx(blocks_of(seed)[:30], corpus / "added.docx")
    assert load(corpus, tmp_path / "cache").segmented == 1


def test_a_removed_file_segments_nothing(corpus: Path, tmp_path: Path) -> None:
    load(corpus, tmp_path / "cache")
    (corpus / "generated-part.docx").unlink()
    library = load(corpus, tmp_path / "cache")
    assert library.segmented == 0
    assert not any("generated-part.docx" in d.sources for d in library.documents)


def test_a_removed_file_leaves_no_segment_behind(corpus: Path, tmp_path: Path) -> None:
    load(corpus, tmp_path / "cache")
    kept = len(list((tmp_path / "cache" / FOLDER).glob("*.json")))
    (corpus / "generated-part.docx").unlink()
    load(corpus, tmp_path / "cache")
    assert len(list((tmp_path / "cache" / FOLDER).glob("*.json"))) == kept - 1


def test_answers_after_a_change_equal_a_rebuild_from_nothing(
    corpus: Path, tmp_path: Path, regulation_file: Path
) -> None:
    load(corpus, tmp_path / "cache")
    edit(corpus / regulation_file.name)
    (corpus / "generated-part.docx").unlink()
    write_pdf(blocks_of(sorted(BUNDLED_CORPUS.iterdir())[2])[:30], corpus / "added.pdf")
    incremental = load(corpus, tmp_path / "cache")
    rebuilt = load(corpus, tmp_path / "fresh")
    assert (incremental.segmented, rebuilt.segmented) == (2, len(list(corpus.iterdir())))
    assert answers(incremental) == answers(rebuilt)


def test_a_merged_library_has_the_index_of_a_rebuild(
    corpus: Path, tmp_path: Path, regulation_file: Path
) -> None:
    load(corpus, tmp_path / "cache")
    edit(corpus / regulation_file.name)
    incremental = load(corpus, tmp_path / "cache").index.bm25
    rebuilt = load(corpus, tmp_path / "fresh").index.bm25
    assert incremental.vocab == rebuilt.vocab
    for name in ("idf", "indptr", "docs", "weights"):
        assert getattr(incremental, name).tobytes() == getattr(rebuilt, name).tobytes()


def amend(path: Path) -> None:
    """Add words to a sentence of a seed."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("。", "，并依法向社会公开。", 1), encoding="utf-8")


def new_regulation(path: Path) -> None:
    """A regulation of a title no other file has: its own document, nothing shared."""
    articles = "\n\n".join(
        f"第{n}条 试验区管理机构应当在每季度第{n}个工作日前公布第{n}类事项的办理情况。"
        for n in range(1, 21)
    )
    path.write_text(f"# 某市测试事项管理办法\n\n{articles}\n", encoding="utf-8")


CHANGES = {
    "added": (lambda corpus, regulation: new_regulation(corpus / "added-regulation.md"), 1),
    "changed": (lambda corpus, regulation: edit(corpus / regulation.name), 1),
    "removed": (lambda corpus, regulation: (corpus / regulation.name).unlink(), 0),
    "all three": (
        lambda corpus, regulation: (
            new_regulation(corpus / "added-regulation.md"),
            (corpus / regulation.name).unlink(),
            amend(corpus / sorted(BUNDLED_CORPUS.iterdir())[3].name),
        ),
        2,
    ),
}


def tables(expander: Expander) -> list[object]:
    """An expander's tables as plain values (a cached one's are packed strings)."""
    maps = (expander.synonyms, expander.related, expander.english, expander.homophones)
    plain = [{k: tuple(v) for k, v in table.items()} for table in maps]
    return [*plain, dict(expander.readings), expander.vocabulary]


def same_library(patched: Library, rebuilt: Library) -> None:
    """Documents, problems, index arrays and answers as a rebuild from nothing gives them."""
    assert [replace(d, clauses=()) for d in patched.documents] == [
        replace(d, clauses=()) for d in rebuilt.documents
    ]
    assert [list(d.clauses) for d in patched.documents] == [
        list(d.clauses) for d in rebuilt.documents
    ]
    assert patched.problems == rebuilt.problems
    mine, theirs = patched.index.bm25, rebuilt.index.bm25
    assert list(mine.vocab.items()) == list(theirs.vocab.items())  # ids in first-seen order
    for name in ("idf", "indptr", "docs", "weights"):
        assert getattr(mine, name).tobytes() == getattr(theirs, name).tobytes()
    assert answers(patched) == answers(rebuilt)


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_patches_the_library_into_what_a_rebuild_gives(
    corpus: Path, tmp_path: Path, regulation_file: Path, change: str
) -> None:
    before = load(corpus, tmp_path / "cache")
    apply, segmented = CHANGES[change]
    apply(corpus, regulation_file)
    patched = Library.load(
        LibraryPaths(corpus, LEXICON_DIR, tmp_path / "cache"), workers=1, previous=before
    )
    assert (patched.patched, patched.segmented) == (True, segmented)
    rebuilt = load(corpus, tmp_path / "fresh")
    assert not rebuilt.patched
    same_library(patched, rebuilt)
    assert tables(patched.expander) == tables(rebuilt.expander)
    # and loaded again from the cache the patch wrote (its expander written after answering)
    patched.persist()
    again = load(corpus, tmp_path / "cache")
    same_library(again, rebuilt)
    assert tables(again.expander) == tables(rebuilt.expander)


def test_patches_follow_each_other(corpus: Path, tmp_path: Path, regulation_file: Path) -> None:
    library = load(corpus, tmp_path / "cache")
    for step in ("added", "changed", "removed"):
        CHANGES[step][0](corpus, regulation_file)
        library = Library.load(
            LibraryPaths(corpus, LEXICON_DIR, tmp_path / "cache"), workers=1, previous=library
        )
        assert library.patched
    same_library(library, load(corpus, tmp_path / "fresh"))


def test_a_change_reaching_another_document_is_merged_as_before(
    corpus: Path, tmp_path: Path
) -> None:
    load(corpus, tmp_path / "cache")
    # A part of a seed under another name: a copy of that seed's document, or an edition.
    write_docx(blocks_of(sorted(BUNDLED_CORPUS.iterdir())[1])[:30], corpus / "added.docx")
    merged = load(corpus, tmp_path / "cache")
    assert (merged.patched, merged.segmented) == (False, 1)
    same_library(merged, load(corpus, tmp_path / "fresh"))


def test_segments_made_in_worker_processes_equal_those_made_in_one(
    corpus: Path, tmp_path: Path
) -> None:
    for n in range(16):  # enough files to start workers
        shutil.copy(corpus / "generated-copy.pdf", corpus / f"copy-{n:02d}.pdf")
    parallel = Library.load(LibraryPaths(corpus, LEXICON_DIR, tmp_path / "two"), workers=2)
    serial = load(corpus, tmp_path / "one")
    assert answers(parallel) == answers(serial)


def test_a_damaged_segment_is_made_again(corpus: Path, tmp_path: Path) -> None:
    load(corpus, tmp_path / "cache")
    victim = sorted((tmp_path / "cache" / FOLDER).glob("*.json"))[0]
    victim.write_text("{}", encoding="utf-8")
    shutil.rmtree(next(p for p in (tmp_path / "cache").iterdir() if len(p.name) == 64))
    library = load(corpus, tmp_path / "cache")
    assert library.segmented == 1
    assert answers(library) == answers(load(corpus, tmp_path / "fresh"))


CITING = (
    "# 某市引用测试规定\n\n"
    "第一条 依照《上海市社会信用条例》第三条和《某市测试事项管理办法》第二条办理。\n\n"
    "第二条 本规定第一条所称事项，按照前条执行。\n"
)


def citations(library: Library) -> list[object]:
    """Every clause's references, both directions (all read at once, as a reload does)."""
    library.citations.build()
    return [
        (c.doc_id, c.ordinal, library.cites(c), library.cited_by(c))
        for d in library.documents
        for c in d.clauses
    ]


@pytest.mark.parametrize("change", CHANGES)
def test_a_patched_library_carries_the_references_a_rebuild_reads(
    corpus: Path, tmp_path: Path, regulation_file: Path, change: str
) -> None:
    (corpus / "citing.md").write_text(CITING, encoding="utf-8")
    before = load(corpus, tmp_path / "cache")
    citations(before)
    CHANGES[change][0](corpus, regulation_file)
    patched = Library.load(
        LibraryPaths(corpus, LEXICON_DIR, tmp_path / "cache"), workers=1, previous=before
    )
    assert patched.patched
    carried = patched.citations._carried  # lent by `before`, let go once built
    assert carried is not None
    assert carried.named
    mine, theirs = citations(patched), citations(load(corpus, tmp_path / "fresh"))
    assert any(cited for *_, cited in theirs)
    assert mine == theirs
    assert patched.citations._carried is None
