"""Related clauses across documents: similar wording in another document, above a threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from retrieval.model import Clause
from retrieval.related import MAX_RELATED
from tests.two_editions import write_editions

# Two regulations on tobacco labels that say the same thing in different words, and one on
# forest fires that shares only the language every regulation uses (应当, 人民政府, 规定 …).
TOBACCO = """# 烟草标识条例

2020年1月1日 通过

<!-- INFO END -->

第一条 卷烟、雪茄烟的包装上应当标明焦油含量级和“吸烟有害健康”的警示语，警示语应当清晰醒目。

第二条 烟草制品的广告应当经县级以上人民政府有关部门审查，未经审查不得发布。
"""
TOBACCO_RULES = """# 烟草标识实施细则

2021年1月1日 通过

<!-- INFO END -->

第一条 在境内销售的卷烟、雪茄烟，应当在小包、条包上标注焦油含量级和“吸烟有害健康”的中文警示语，\
警示语字体应当清晰醒目。

第二条 烟草专卖零售许可证的申请人应当有与经营规模相适应的资金和固定的经营场所。
"""
FOREST = """# 森林防火规定

2022年1月1日 通过

<!-- INFO END -->

第一条 县级以上人民政府应当组织划定森林防火区，规定森林防火期，并向社会公布。

第二条 森林防火区内的单位应当建立森林防火责任制度，配备专职或者兼职护林员。
"""


def related(library: Library, ref: str) -> list[tuple[str, str]]:
    [hit] = library.lookup(ref).hits
    return [(library.short_name(c), c.label) for c in library.related(hit.clause)]


def clause(library: Library, ref: str) -> Clause:
    return library.lookup(ref).hits[0].clause


def test_government_data_sharing_in_two_policies_is_related(library: Library) -> None:
    # 公共数据意见（一）统筹推进政务数据共享 and 数字政府指导意见 五、（二）深化数据高效共享 both
    # ask for one catalogue of government data (政务数据目录, 一数一源) and a sharing platform.
    assert ("数字政府指导意见", "五、（二）") in related(library, "公共数据意见（一）")
    assert ("公共数据资源开发利用意见", "（一）") in related(library, "数字政府 5.2")


def test_no_related_clause_is_from_the_same_document(library: Library) -> None:
    for doc in library.documents:
        for own in doc.clauses:
            assert all(c.doc_id != doc.doc_id for c in library.related(own))


def test_news_and_commentary_paragraphs_are_neither_matched_nor_shown(library: Library) -> None:
    kinds = {d.doc_id: d.kind for d in library.documents}
    for doc in library.documents:
        for own in doc.clauses:
            shown = library.related(own)
            assert len(shown) <= MAX_RELATED
            assert {kinds[c.doc_id] for c in shown} <= {"policy", "regulation"}
            if doc.kind in ("news", "commentary"):
                assert shown == []


def test_a_clause_sharing_only_general_policy_words_gets_none(library: Library) -> None:
    # 数据二十条（四）公共数据确权授权 shares 公共数据, 授权, 使用 … with many clauses of the
    # other policies, but none of them is about the same matter closely enough.
    assert related(library, "数据二十条（四）") == []


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Library:
    corpus = tmp_path_factory.mktemp("corpus")
    for name, text in (("烟草标识条例", TOBACCO), ("烟草标识实施细则", TOBACCO_RULES)):
        (corpus / f"{name}.md").write_text(text, encoding="utf-8")
    (corpus / "森林防火规定.md").write_text(FOREST, encoding="utf-8")
    return Library.load(LibraryPaths(corpus, LEXICON_DIR))


def test_the_same_rule_in_other_words_is_related(small: Library) -> None:
    assert related(small, "烟草标识条例第一条") == [("烟草标识实施细则", "第一条")]
    assert related(small, "烟草标识实施细则第一条") == [("烟草标识条例", "第一条")]


def test_clauses_sharing_only_common_words_are_not_related(small: Library) -> None:
    assert related(small, "烟草标识条例第二条") == []
    assert related(small, "森林防火规定第一条") == []


def test_editions_of_one_document_are_not_related_clauses(tmp_path: Path) -> None:
    library = Library.load(LibraryPaths(write_editions(tmp_path), LEXICON_DIR))
    for doc in library.documents:
        for own in doc.clauses:
            assert all(library.title(c) != doc.title for c in library.related(own)), own.label


def test_a_copy_of_the_clause_under_another_title_is_not_shown(tmp_path: Path) -> None:
    for name, text in (("烟草标识条例", TOBACCO), ("烟草标识实施细则", TOBACCO_RULES)):
        (tmp_path / f"{name}.md").write_text(text, encoding="utf-8")
    copy = TOBACCO.replace("# 烟草标识条例", "# 烟草标识条例汇编本")
    (tmp_path / "烟草标识条例汇编本.md").write_text(copy, encoding="utf-8")
    library = Library.load(LibraryPaths(tmp_path, LEXICON_DIR))
    assert related(library, "烟草标识条例第一条") == [("烟草标识实施细则", "第一条")]
