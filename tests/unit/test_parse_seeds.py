"""The bundled seeds parse into six documents with full clause labels and no junk."""

from __future__ import annotations

import pytest

from config.settings import BUNDLED_CORPUS
from retrieval.documents.structure import build_clauses, split_documents
from retrieval.library import Library
from retrieval.model import Document
from retrieval.reading.formats import read_bytes


def doc(library: Library, doc_id: str) -> Document:
    found = library.document(doc_id)
    assert found is not None, doc_id
    return found


def labels(document: Document) -> list[str]:
    return [c.label for c in document.clauses]


def test_seeds_make_six_documents(library: Library) -> None:
    kinds = sorted(d.kind for d in library.documents)
    assert kinds == ["commentary", "news", "policy", "policy", "policy", "policy"]


def test_three_copies_of_the_guidance_merge_with_provenance(library: Library) -> None:
    guidance = doc(library, "digital_gov")
    assert guidance.title == "国务院关于加强数字政府建设的指导意见"
    assert guidance.sources == (
        "000_cd1b781137da23f0.txt",
        "001_112312e6e064ea2c.txt",
        "004_8b811ad74843f955.txt",
    )


@pytest.mark.parametrize(
    ("chapter", "sections"),
    [
        ("一", 1),
        ("二", 7),
        ("三", 4),
        ("四", 5),
        ("五", 3),
        ("六", 3),
        ("七", 3),
        ("八", 4),
    ],
)
def test_guidance_sections_restart_per_chapter(
    library: Library, chapter: str, sections: int
) -> None:
    found = [
        lab
        for lab in labels(doc(library, "digital_gov"))
        if lab.startswith(f"{chapter}、（") and not lab.endswith(".")
    ]
    assert len(found) == sections


def test_guidance_items_under_general_requirements(library: Library) -> None:
    items = [c for c in doc(library, "digital_gov").clauses if c.kind == "item"]
    assert [(c.label, c.heading) for c in items] == [
        ("一、（二）1.", "指导思想"),
        ("一、（二）2.", "基本原则"),
        ("一、（二）3.", "主要目标"),
    ]


def test_guidance_has_preamble_and_chapter_leads(library: Library) -> None:
    found = labels(doc(library, "digital_gov"))
    assert found[0] == "序言"
    assert {"二、", "三、", "四、", "五、", "六、", "七、", "八、"} <= set(found)


def test_public_data_sections_run_on_across_chapters(library: Library) -> None:
    public = doc(library, "public_data")
    sections = [c.label for c in public.clauses if c.kind == "section"]
    assert sections[0] == "（一）"
    assert sections[-1] == "（十七）"
    assert len(sections) == 17
    assert public.continuous_sections


def test_data20_has_twenty_sections_and_principles(library: Library) -> None:
    data20 = doc(library, "data20")
    sections = [c for c in data20.clauses if c.kind == "section"]
    assert [c.label for c in sections][-1] == "（二十）"
    assert len(sections) == 20
    principles = sections[1]
    assert principles.heading == "工作原则"
    assert principles.text.count("——") == 5


def test_data_circulation_ends_at_section_seven(library: Library) -> None:
    sections = [c.label for c in doc(library, "data_circulation").clauses if c.kind == "section"]
    assert sections == [f"二、（{n}）" for n in "一二三四五六七"]


def test_news_and_commentary_are_paragraphs_under_subheadings(library: Library) -> None:
    assert labels(doc(library, "news")) == [f"第{n}段" for n in range(1, 6)]
    commentary = doc(library, "commentary")
    assert commentary.author == "中国电子信息产业发展研究院院长 张立"
    assert commentary.clauses[-1].heading == "新时代数字政府建设 要处理好五个关系"


@pytest.mark.parametrize(
    "junk",
    [
        "衡水市",
        "欢迎您访问",
        "热门关键词",
        "你觉得这篇文章",
        "工作时间",
        "责任编辑",
        "appendQr",
        "http",
        "<",
        "-->",
        "title:",
        "新浪财经APP",
        "来源：",
        "大力推进现代化产业体系建设",
    ],
)
def test_no_site_junk_in_any_clause(library: Library, junk: str) -> None:
    assert not [c.label for c in library.clauses if junk in c.text]


def test_page_breaks_are_joined(library: Library) -> None:
    clause = next(
        c for c in library.clauses if c.label == "二、（一）" and c.doc_id == "digital_gov"
    )
    assert "全面提升政府经济调节数字化水平" in clause.text


def test_pull_quotes_are_dropped_and_the_sentence_rejoined(library: Library) -> None:
    commentary = doc(library, "commentary")
    text = "\n".join(c.text for c in commentary.clauses)
    assert "提升行政效能推动“高效办成一件事”的指导意见》提出" in text
    assert text.count("在迎接数字时代、推进数字中国建设过程中") == 1
    assert "从2012年的第78位上升到了2022年的第43位" in text


def test_majority_reading_wins_over_the_odd_copy(library: Library) -> None:
    guidance = "\n".join(c.text for c in doc(library, "digital_gov").clauses)
    assert "多层级、一体化安全防护体系" in guidance
    assert "壮大数据服务产业" in guidance
    assert "法律法規" not in guidance


def test_scraped_copy_keeps_full_width_punctuation(library: Library) -> None:
    guidance = "\n".join(c.text for c in doc(library, "digital_gov").clauses)
    assert "现提出以下意见。" in guidance
    assert ",现提出以下意见" not in guidance


def test_check_warns_about_merged_variants_and_dropped_quotes(library: Library) -> None:
    messages = [p.message for p in library.problems]
    assert any("措辞不同" in m for m in messages)
    assert any("引文" in m for m in messages)


def test_no_clause_appears_twice(library: Library) -> None:
    keys = [(c.doc_id, c.label) for c in library.clauses]
    assert len(keys) == len(set(keys))


def test_numbering_returns_the_pull_quotes_it_drops_and_leaves_its_input_alone() -> None:
    seed = BUNDLED_CORPUS / "003_7dfd13e9ce33972e.txt"  # the commentary with pull-quotes
    source, _ = read_bytes(seed.name, seed.read_bytes())
    [raw] = split_documents(list(source.blocks), source.meta)
    blocks = list(raw.blocks)
    outline = build_clauses(raw)
    assert any(q.startswith("在迎接数字时代、推进数字中国建设过程中") for q in outline.dropped)
    assert raw.blocks == blocks


def test_every_clause_carries_its_document_id_and_its_position(library: Library) -> None:
    for document in library.documents:
        assert {c.doc_id for c in document.clauses} == {document.doc_id}
        assert [c.ordinal for c in document.clauses] == list(range(len(document.clauses)))


def test_numbered_items_that_are_whole_sentences_keep_their_text() -> None:
    text = """# 中华人民共和国测试法修正案

为了惩治犯罪，对测试法作如下修改：

一、将测试法第一条修改为：“为了测试，制定本法。”

二、在测试法第二条后增加一条，作为第二条之一：“本法适用于测试。”

三、本修正案自公布之日起施行。
"""
    source, _ = read_bytes("amendment.md", text.encode())
    [raw] = split_documents(list(source.blocks), source.meta)
    clauses = {c.label: c.text for c in build_clauses(raw).clauses}
    assert clauses == {
        "序言": "为了惩治犯罪，对测试法作如下修改：",
        "一、": "将测试法第一条修改为：“为了测试，制定本法。”",
        "二、": "在测试法第二条后增加一条，作为第二条之一：“本法适用于测试。”",
        "三、": "本修正案自公布之日起施行。",
    }


def test_a_laws_list_items_that_repeat_another_articles_are_kept() -> None:
    items = ["（一）非法经营数额在五万元以上的；", "（二）违法所得数额在三万元以上的；"]
    text = "\n\n".join(
        [
            "# 关于办理测试刑事案件的解释",
            "第一条 实施测试行为，具有下列情形之一的，属于情节严重，应当依法定罪",
            *items,
            "（三）其他情节严重的情形。",
            "第二条 单位实施测试行为，具有下列情形之一的，应当依法追究",  # same items
            *items,
            "（三）其他情节严重的情形。",
            "直接负责的主管人员的刑事责任。",
        ]
    )
    source, _ = read_bytes("law.md", text.encode())
    [raw] = split_documents(list(source.blocks), source.meta)
    outline = build_clauses(raw)
    assert outline.dropped == ()
    assert outline.clauses[1].text.count("数额在") == 2
