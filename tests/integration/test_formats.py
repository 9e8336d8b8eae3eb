"""PDF and Word files answer exactly like the text files they were made from."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.corpus import read_corpus
from retrieval.library import Library, LibraryPaths
from tests.make_documents import blocks_of, write_docx, write_pdf, write_scanned_pdf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONVERTED = ("000_cd1b781137da23f0", "001_112312e6e064ea2c", "004_8b811ad74843f955")
REFERENCES = [
    "数据二十条第十条",
    "数字政府 2.3",
    "数字政府 二（三）",
    "公共数据意见(5)",
    "总体要求 主要目标",
    "上海市社会信用条例第三十六条",
    "信用条例 第二章",
]
OUT_OF_SCOPE = ["今年端午节放几天假", "<b>&</b> 是什么"]


def questions() -> list[str]:
    lines = (FIXTURES / "dev_qa.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    return [item["query"] for item in items] + REFERENCES + OUT_OF_SCOPE


def converted_corpus(
    root: Path, regulation: Path, write: Callable[[list[str], Path], Path], suffix: str
) -> Path:
    """The seeds and the regulation, the policy files replaced by PDF or Word versions."""
    corpus = root / suffix.strip(".")
    corpus.mkdir()
    for path in BUNDLED_CORPUS.iterdir():
        if path.stem in CONVERTED:
            write(blocks_of(path), corpus / f"{path.stem}{suffix}")
        else:
            shutil.copy(path, corpus / path.name)
    write(blocks_of(regulation), corpus / f"{regulation.stem}{suffix}")
    return corpus


@pytest.fixture(scope="session", params=[(write_pdf, ".pdf"), (write_docx, ".docx")])
def converted_library(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, regulation_file: Path
) -> Library:
    write, suffix = request.param
    corpus = converted_corpus(tmp_path_factory.mktemp("formats"), regulation_file, write, suffix)
    return Library.load(LibraryPaths(corpus, LEXICON_DIR))


def shown(library: Library, query: str) -> tuple[str, str, list[tuple[str, str, str]]]:
    answer = library.answer(query)
    hits = answer.hits if answer.status == "ok" else answer.suggestions
    return answer.mode, answer.status, [(h.doc_title, h.clause.label, h.clause.text) for h in hits]


def test_same_documents_and_clauses(
    converted_library: Library, library_with_regulation: Library
) -> None:
    def outline(library: Library) -> list[tuple[str, str, int]]:
        return [(d.title, d.kind, len(d.clauses)) for d in library.documents]

    assert outline(converted_library) == outline(library_with_regulation)
    assert [c.text for c in converted_library.clauses] == [
        c.text for c in library_with_regulation.clauses
    ]


@pytest.mark.parametrize("query", questions())
def test_same_questions_give_the_same_clauses(
    converted_library: Library, library_with_regulation: Library, query: str
) -> None:
    assert shown(converted_library, query) == shown(library_with_regulation, query)


def test_no_page_furniture_is_indexed(converted_library: Library) -> None:
    text = "\n".join(c.text for c in converted_library.clauses)
    assert "政策文件汇编" not in text
    assert "— 2 —" not in text


def test_sources_name_the_converted_files(converted_library: Library) -> None:
    regulation = converted_library.resolve("上海市社会信用条例")[0]
    assert regulation.sources[0].endswith((".pdf", ".docx"))
    assert regulation.kind == "regulation"


def _encrypted(user_password: str, source: Path) -> bytes:
    writer = PdfWriter(clone_from=source)
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


POLICY = ["关于测试文件格式的通知", "一、总体要求", "（一）基本原则。坚持依法行政，规范格式管理。"]


def test_bad_pdfs_are_skipped_by_name(corpus_dir: Path, tmp_path: Path) -> None:
    good = write_pdf(POLICY, tmp_path / "good.pdf")
    shutil.copy(good, corpus_dir / "good.pdf")
    (corpus_dir / "locked.pdf").write_bytes(_encrypted("secret", good))
    write_scanned_pdf(corpus_dir / "scan.pdf")
    (corpus_dir / "broken.pdf").write_bytes(good.read_bytes()[:400])
    (corpus_dir / "junk.pdf").write_bytes(b"%PDF-1.7\nnot really a pdf")
    (corpus_dir / "broken.docx").write_bytes(b"PK\x03\x04 truncated zip")
    (corpus_dir / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 an old Word file")
    documents, problems = read_corpus(corpus_dir)
    assert [d.title for d in documents] == ["关于测试文件格式的通知"]
    said = {p.source: p.message for p in problems}
    assert "加密" in said["locked.pdf"]
    assert "文字层" in said["scan.pdf"]
    assert "损坏" in said["broken.pdf"]
    assert "损坏" in said["junk.pdf"]
    assert "损坏" in said["broken.docx"]
    assert "不支持" in said["old.doc"]


def test_a_pdf_read_with_pages_left_out_is_partial_not_skipped(
    corpus_dir: Path, tmp_path: Path
) -> None:
    writer = PdfWriter(clone_from=write_pdf(POLICY, tmp_path / "text.pdf"))
    writer.append(PdfReader(write_scanned_pdf(tmp_path / "scan.pdf", pages=1)))
    writer.write(corpus_dir / "mixed.pdf")
    write_scanned_pdf(corpus_dir / "scan.pdf")
    (corpus_dir / "junk.pdf").write_bytes(b"%PDF-1.7\nnot really a pdf")
    documents, problems = read_corpus(corpus_dir)
    assert [d.sources for d in documents] == [("mixed.pdf",)]
    kinds = {p.source: p.kind for p in problems}
    assert kinds == {"mixed.pdf": "partial", "scan.pdf": "skipped", "junk.pdf": "skipped"}


def test_pdf_locked_only_against_editing_is_read(corpus_dir: Path, tmp_path: Path) -> None:
    good = write_pdf(POLICY, tmp_path / "good.pdf")
    (corpus_dir / "restricted.pdf").write_bytes(_encrypted("", good))
    documents, problems = read_corpus(corpus_dir)
    assert [d.title for d in documents] == ["关于测试文件格式的通知"]
    assert not problems


def test_pages_without_text_are_named(corpus_dir: Path, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=write_pdf(POLICY, tmp_path / "text.pdf"))
    writer.append(PdfReader(write_scanned_pdf(tmp_path / "scan.pdf", pages=1)))
    writer.write(corpus_dir / "mixed.pdf")
    documents, problems = read_corpus(corpus_dir)
    assert documents[0].clauses[0].text == "基本原则。坚持依法行政，规范格式管理。"
    assert [p.message for p in problems] == ["第 2 页没有文字层（可能是扫描页），已跳过"]
