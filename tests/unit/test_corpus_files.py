"""New documents need no code; bad files are skipped with a warning that names them."""

from __future__ import annotations

from pathlib import Path

from config.settings import LEXICON_DIR
from retrieval.corpus import read_corpus
from retrieval.library import Library, LibraryPaths
from retrieval.listing import corpus_files
from retrieval.search.bm25 import MAX_TERM_FREQUENCY
from retrieval.search.screen import screen

POLICY = "关于测试文件的通知\n\n一、总体要求\n\n（一）基本原则。坚持依法行政，规范管理。\n"


def test_regulation_yields_56_articles(library_with_regulation: Library) -> None:
    regulation = library_with_regulation.resolve("上海市社会信用条例")[0]
    articles = [c for c in regulation.clauses if c.kind == "article"]
    assert len(articles) == 56
    assert articles[35].label == "第三十六条"
    assert articles[0].breadcrumb == ("第一章 总则",)


def test_items_stay_inside_their_article(library_with_regulation: Library) -> None:
    regulation = library_with_regulation.resolve("上海市社会信用条例")[0]
    article = next(c for c in regulation.clauses if c.label == "第二十八条")
    assert "（一）实施行政许可" in article.text


def test_binary_empty_and_unknown_files_are_skipped_by_name(corpus_dir: Path) -> None:
    (corpus_dir / "good.txt").write_text(POLICY, encoding="utf-8")
    (corpus_dir / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (corpus_dir / "empty.md").write_bytes(b"   \n")
    (corpus_dir / "table.xlsx").write_bytes(b"PK\x03\x04")
    (corpus_dir / "latin1.html").write_bytes("<p>caf\xe9</p>".encode("latin-1") + b"\x81\x82")
    documents, problems = read_corpus(corpus_dir)
    assert [d.title for d in documents] == ["关于测试文件的通知"]
    named = {p.source for p in problems}
    assert {"image.txt", "empty.md", "table.xlsx"} <= named


def test_a_file_that_gives_nothing_is_a_skipped_problem(corpus_dir: Path) -> None:
    (corpus_dir / "good.txt").write_text(POLICY, encoding="utf-8")
    (corpus_dir / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (corpus_dir / "empty.md").write_bytes(b"   \n")
    (corpus_dir / "table.xlsx").write_bytes(b"PK\x03\x04")
    (corpus_dir / "title.txt").write_text("关于只有标题的通知\n", encoding="utf-8")
    documents, problems = read_corpus(corpus_dir)
    assert [d.title for d in documents] == ["关于测试文件的通知"]
    skipped = {p.source for p in problems if p.kind == "skipped"}
    assert skipped == {"image.txt", "empty.md", "table.xlsx", "title.txt"}
    assert {p.source for p in problems} == skipped  # the good file has none
    # What admins read is as before: the kind is for code, the message for people.
    assert all("已跳过" in p.message for p in problems)


def test_copies_that_disagree_are_a_repaired_problem(corpus_dir: Path) -> None:
    text = POLICY + "\n（二）主要目标。到2025年，建成统一的管理体系。\n"
    (corpus_dir / "a.txt").write_text(text, encoding="utf-8")
    (corpus_dir / "b.txt").write_text(text, encoding="utf-8")
    (corpus_dir / "c.txt").write_text(text.replace("统一的", "统一管理的"), encoding="utf-8")
    documents, problems = read_corpus(corpus_dir)
    assert [d.title for d in documents] == ["关于测试文件的通知"]
    assert [(p.kind, "c.txt" in p.message) for p in problems] == [("repaired", True)]


def test_a_document_the_index_cannot_hold_is_a_skipped_problem(
    corpus_dir: Path, library: Library
) -> None:
    repeats = POLICY.replace("规范管理", "数据" * (MAX_TERM_FREQUENCY + 1))
    (corpus_dir / "repeats.txt").write_text(repeats, encoding="utf-8")
    documents, problems = read_corpus(corpus_dir)
    assert not problems
    kept, left_out = screen(documents, library.tokenizer)
    assert kept == ()
    assert [(p.source, p.kind) for p in left_out] == [("repeats.txt", "skipped")]
    assert left_out[0].message.startswith("已跳过《关于测试文件的通知》")


def test_gbk_file_is_read(corpus_dir: Path) -> None:
    (corpus_dir / "gbk.txt").write_bytes(POLICY.encode("gbk"))
    documents, _ = read_corpus(corpus_dir)
    assert documents[0].clauses[0].text == "基本原则。坚持依法行政，规范管理。"


def test_cut_off_paragraph_is_kept_and_flagged(corpus_dir: Path) -> None:
    text = POLICY + "\n（二）工作要求。各地区要加强统筹协调，推动数据资源整合共享，并在年底前\n"
    (corpus_dir / "cut.txt").write_text(text, encoding="utf-8")
    documents, _ = read_corpus(corpus_dir)
    last = documents[0].clauses[-1]
    assert last.text.endswith("并在年底前")
    assert last.incomplete


def test_html_file_becomes_paragraphs(corpus_dir: Path) -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><h1>某市数据条例解读</h1>"
        "<p>本市将建设公共数据平台，推进数据共享。</p><script>var x=1;</script>"
        "<p>各部门应当按照目录归集数据。</p></body></html>"
    )
    (corpus_dir / "page.html").write_text(html, encoding="utf-8")
    library = Library.load(LibraryPaths(corpus_dir, LEXICON_DIR))
    clauses = library.documents[0].clauses
    assert [c.text for c in clauses] == [
        "本市将建设公共数据平台，推进数据共享。",
        "各部门应当按照目录归集数据。",
    ]


def test_an_absurd_article_number_keeps_the_file(corpus_dir: Path) -> None:
    lines = [
        "# 测试条例",
        "第一条 本条例适用于测试。",
        "第10000条 编号很怪的一行。",
        "第二条 其余内容。",
    ]
    text = "\n\n".join(lines) + "\n"
    (corpus_dir / "odd.md").write_text(text, encoding="utf-8")
    documents, problems = read_corpus(corpus_dir)
    [document] = [d for d in documents if d.title == "测试条例"]
    assert [c.label for c in document.clauses][:1] == ["第一条"]
    assert any("其余内容" in c.text for c in document.clauses)
    assert not [p for p in problems if p.source == "odd.md"]


def test_corpus_files_skip_hidden_readme_and_links_out(tmp_path: Path) -> None:
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    for folder in (corpus / "a", corpus / ".hidden", corpus / "b" / "c", outside):
        folder.mkdir(parents=True)
    for name in ("x.md", "README.md", ".h.md", "a/1.md", ".hidden/2.md", "b/c/3.txt", "b/README"):
        (corpus / name).write_text(POLICY, encoding="utf-8")
    (outside / "f.md").write_text(POLICY, encoding="utf-8")
    (corpus / "out.md").symlink_to(outside / "f.md")  # never followed out of the corpus
    (corpus / "in.md").symlink_to(corpus / "a" / "1.md")
    (corpus / "broken.md").symlink_to(corpus / "nowhere.md")
    (corpus / "linked").symlink_to(corpus / "b")  # a linked folder is not entered
    (corpus / "away").symlink_to(outside)
    found = [p.relative_to(corpus).as_posix() for p in corpus_files(corpus)]
    assert found == ["a/1.md", "b/c/3.txt", "in.md", "x.md"]


def test_a_long_markdown_title_names_its_document(corpus_dir: Path) -> None:
    # Judicial interpretations' titles run past 40 characters and end in 解释, which no title
    # pattern knows: the Markdown heading is still the title, not 未命名文件.
    title = (
        "最高人民检察院关于工人等非监管机关在编监管人员私放在押人员行为"
        "和失职致使在押人员脱逃行为适用法律问题的解释"
    )
    lines = [
        f"# {title}",
        "为依法办理私放在押人员犯罪案件，解释如下：",
        "第一条 本解释自公布之日起施行。",
    ]
    (corpus_dir / "interpretation.md").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    documents, _ = read_corpus(corpus_dir)
    assert title in [d.title for d in documents]


def test_a_long_first_line_ending_in_a_document_type_is_the_title(corpus_dir: Path) -> None:
    # The same interpretation saved as plain text: no markup, the first line alone says it.
    title = "最高人民法院、最高人民检察院关于办理危害生产安全刑事案件适用法律若干问题的解释（二）"
    lines = [title, "为依法惩治危害生产安全犯罪，解释如下：", "第一条 本解释自公布之日起施行。"]
    (corpus_dir / "interpretation.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    documents, _ = read_corpus(corpus_dir)
    assert [d.title for d in documents] == [title]
