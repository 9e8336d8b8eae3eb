"""Per-file index segments: a corpus change re-segments only the files it touched, and the
library merged from kept segments answers exactly as a rebuild of the same files from nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from retrieval.storage.segments import FOLDER
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
