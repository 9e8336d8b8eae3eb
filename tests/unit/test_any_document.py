"""Any document, any name: laws dropped into the corpus folder are found by the names,
references and editions people use, and a law that is not loaded is said to be missing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot import render, texts
from bot.cli import main
from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.documents.naming import abbreviations, collisions, core_title, named_titles
from retrieval.documents.numbering import int_to_cn
from retrieval.library import Library, LibraryPaths
from retrieval.lookup.refs import clean_query, parse_ref
from retrieval.words.normalize import fold_for_search

LAW = """# 中华人民共和国{name}

2007年6月29日 通过

<!-- INFO END -->

## 第一章 总则

第一条 为了{topic}，制定本法。

第二条 本法所称{topic}，是指依法进行的活动。

第二条之一 {topic}应当遵循公开透明原则，本条为后来增加的条文。

第三条 国务院有关部门负责{topic}的监督管理工作。
"""


def _write(folder: Path, file: str, name: str, topic: str, extra: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file).write_text(LAW.format(name=name, topic=topic) + extra, encoding="utf-8")


@pytest.fixture(scope="module")
def laws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeds plus laws in sub-folders, as such collections come (经济法/, 社会法/ …)."""
    corpus = tmp_path_factory.mktemp("laws")
    for path in BUNDLED_CORPUS.iterdir():
        shutil.copy(path, corpus / path.name)
    _write(corpus / "经济法", "消费者权益保护法(2013-10-25).md", "消费者权益保护法", "消费者保护")
    _write(corpus / "经济法", "政府采购法(2014-08-31).md", "政府采购法", "政府采购")
    _write(corpus / "社会法", "劳动合同法(2012-12-28).md", "劳动合同法", "劳动合同订立")
    _write(corpus / "经济法", "会计法(2017-11-04).md", "会计法", "旧版会计核算")
    _write(corpus / "经济法", "会计法(2024-06-28).md", "会计法", "新版会计核算")
    _write(corpus / "经济法", "会计法(2024-06-28) copy.md", "会计法", "新版会计核算")
    _write(
        corpus / "司法解释",
        "关于适用民事诉讼法的解释(2022-04-01).md",
        "最高人民法院关于适用民事诉讼法的解释",
        "民事案件审理",
        "\n第四条 依照《中华人民共和国政府采购法》（以下简称政府采购法）第三条处理。\n",
    )
    # Two laws both shortened to 科技法 (a real collision among the laws of ../shared/laws).
    _write(corpus / "科技法", "科学技术进步法(2021-12-24).md", "科学技术进步法", "科技进步")
    _write(corpus / "科技法", "科学技术普及法(2002-06-29).md", "科学技术普及法", "科学普及")
    _write(
        corpus / "行政法规",
        "防范和处置非法集资条例(2021-01-26).md",
        "防范和处置非法集资条例",
        "集资防范",
    )
    # 保险法 is read before 社会保险法 (专门法/ sorts first): the longer name must still win.
    _write(corpus / "专门法", "保险法(2015-04-24).md", "保险法", "保险合同")
    registration = "\n\n".join(
        f"第{int_to_cn(n)}条 农民专业合作社登记管理工作第{n}项：合作社登记机关依照本条例办理。"
        for n in range(1, 31)
    )
    (corpus / "行政法规" / "农民专业合作社登记管理条例.md").write_text(
        f"# 农民专业合作社登记管理条例\n\n{registration}\n\n"
        "第三十一条 营业执照遗失的，可以申请换发。\n",
        encoding="utf-8",
    )
    _write(corpus / "社会法", "社会保险法(2018-12-29).md", "社会保险法", "社会保险费征缴")
    (corpus / "README.md").write_text("# 说明\n\n第一条 不是文件。\n", encoding="utf-8")
    (corpus / ".hidden").mkdir()
    _write(corpus / ".hidden", "保密法(2010-04-29).md", "保守国家秘密法", "保密")
    return corpus


@pytest.fixture(scope="module")
def library(laws: Path) -> Library:
    return Library.load(LibraryPaths(laws, LEXICON_DIR))


@pytest.mark.parametrize(
    ("title", "short"),
    [
        ("消费者权益保护法", "消保法"),
        ("政府采购法", "政采法"),
        ("行政处罚法", "行罚法"),
        ("劳动合同法", "劳合法"),
        ("民事诉讼法", "民诉法"),
        ("道路交通安全法", "道交法"),
        ("政府采购法实施条例", "政采条例"),
    ],
)
def test_abbreviations_come_from_the_titles_words(
    library: Library, title: str, short: str
) -> None:
    assert short in abbreviations(title, library.tokenizer.cut)


def test_core_title_drops_the_state_name_issuers_and_edition_marks() -> None:
    assert core_title("中华人民共和国劳动合同法（2012年修正）") == "劳动合同法"
    assert core_title("国务院关于加强数字政府建设的指导意见") == "加强数字政府建设的指导意见"


@pytest.mark.parametrize(
    "question",
    [
        "劳动合同法第三条",
        "中华人民共和国劳动合同法第三条",
        "劳动合同法第3条",
        "劳动合同法3条",
        "劳合法第三条",
        "劳动合同法第三条第二款",
        "勞動合同法第三條",
        "劳动合同法第３条",
        "Article 3 of the Labour Contract Law",
        "Labor Contract Law Article 3",
    ],
)
def test_every_reference_form_reaches_the_article(library: Library, question: str) -> None:
    answer = library.answer(question)
    assert answer.status == "ok", answer
    [hit] = answer.hits
    assert hit.clause.label == "第三条"
    assert "劳动合同" in hit.doc_title


def test_an_article_zhi_yi_is_its_own_article(library: Library) -> None:
    [inserted] = library.answer("消保法第二条之一").hits
    assert inserted.clause.label == "第二条之一"
    assert "后来增加的条文" in inserted.clause.text
    [second] = library.answer("消保法第二条").hits
    assert "后来增加" not in second.clause.text


@pytest.mark.parametrize(
    ("question", "near"),
    [("农民专业合作社登记管理条例第二十条之一", "第二十条"), ("消保法第二条之二", "第二条之一")],
)
def test_a_missing_zhi_yi_article_is_not_found_with_its_article_nearest(
    library: Library, question: str, near: str
) -> None:
    answer = library.answer(question)
    assert answer.status == "not_found"
    assert near in [h.clause.label for h in answer.suggestions]


def test_zhi_yi_and_kuan_parse() -> None:
    ref = parse_ref(clean_query(fold_for_search("刑法第一百四十二条之一")))
    assert ref is not None
    assert (ref.doc_hint, ref.numbered, ref.sub) == ("刑法", 142, 1)
    ref = parse_ref(clean_query(fold_for_search("第十三条第二款")))
    assert ref is not None
    assert ref.numbered == 13


def test_a_number_beyond_the_last_article_is_not_found_with_the_nearest(
    library: Library,
) -> None:
    answer = library.answer("政采法第九十九条")
    assert answer.status == "not_found"
    assert answer.suggestions
    assert "政府采购法" in answer.suggestions[0].doc_title


def test_a_short_name_another_text_defines_names_the_document(library: Library) -> None:
    [doc] = library.resolve("政府采购法")
    assert "政府采购法" in doc.aliases


def test_names_shared_by_two_titles_are_listed_not_guessed(library: Library) -> None:
    shared = collisions(library.documents)
    for name, titles in shared.items():
        assert len(titles) > 1
        assert len(library.resolve(name)) > 1, name


def test_a_short_name_two_documents_share_asks_which_one(library: Library) -> None:
    answer = library.answer("科技法")
    assert answer.status == "ambiguous"
    assert answer.missing == "科技法"
    assert sorted(h.doc_title for h in answer.suggestions) == [
        "中华人民共和国科学技术普及法",
        "中华人民共和国科学技术进步法",
    ]
    assert all(h.score == 0.0 for h in answer.suggestions)


@pytest.mark.parametrize(
    ("question", "mode"),
    [("科技法第三条", "lookup"), ("科技法里监督管理工作由谁负责", "search")],
)
def test_a_shared_short_name_in_a_question_is_asked_about(
    library: Library, question: str, mode: str
) -> None:
    answer = library.answer(question)
    assert (answer.status, answer.mode) == ("ambiguous", mode)
    assert len(answer.suggestions) == 2


def test_a_longer_name_around_a_shared_one_settles_it(library: Library) -> None:
    answer = library.answer("科学技术进步法第三条")
    assert answer.status == "ok"
    assert "科技进步" in answer.hits[0].clause.text


@pytest.mark.parametrize(
    ("question", "topic"),
    [("科技法第三条", "科学普及"), ("科技法里监督管理工作由谁负责", "科技进步")],
)
def test_the_chosen_document_answers_the_same_question(
    library: Library, question: str, topic: str
) -> None:
    [doc] = [d for d in library.documents if topic in d.clauses[-1].text]
    answer = library.answer(question, chosen=doc.doc_id)
    assert answer.status == "ok"
    assert answer.query == question
    assert {h.clause.doc_id for h in answer.hits} == {doc.doc_id}
    assert topic in answer.hits[0].clause.text


def test_clause_command_asks_which_one_too(library: Library) -> None:
    assert library.lookup("科技法第三条").status == "ambiguous"


def test_a_law_not_in_the_library_is_said_to_be_missing(library: Library) -> None:
    for question in ("个人信息保护法第十条", "《网络安全法》对数据出境怎么规定", "刑法第一条"):
        answer = library.answer(question)
        assert answer.status == "not_in_library", question
        assert answer.missing in question
        assert all(h.score == 0.0 for h in answer.suggestions)


def test_only_titles_sharing_part_of_the_name_are_suggested(library: Library) -> None:
    answer = library.answer("劳动法第十条")
    assert answer.status == "not_in_library"
    assert "中华人民共和国劳动合同法" in [h.doc_title for h in answer.suggestions]
    assert all("劳动" in h.doc_title for h in answer.suggestions)


def test_a_name_no_title_resembles_gets_no_suggestion_but_the_document_list(
    library: Library,
) -> None:
    answer = library.answer("红十字会法第十条")
    assert (answer.status, answer.suggestions) == ("not_in_library", ())
    assert texts.NO_CLOSE_TITLES in render.to_text(answer)


@pytest.mark.parametrize(
    "question",
    [
        "劳动合同没签可以直接起诉到法院吗",  # 法 of 法院 ends no name
        "不签劳动合同要承担法律责任吗",  # nor of 法律
        "公司违反劳动合同法怎么办",  # 违反 is the question's, 劳动合同法 is loaded
        "社保没按规定缴纳怎么办",  # an everyday phrase ending in 规定
        "合作社登记条例第三十一条",  # 农民专业合作社登记管理条例, shortened
        "物业发的《用户手册》说可以罚款，合法吗",  # marked, but no law, regulation or policy
    ],
)
def test_words_shaped_like_a_title_that_name_nothing_missing_are_searched(
    library: Library, question: str
) -> None:
    assert library.answer(question).status != "not_in_library"


@pytest.mark.parametrize(
    "question",
    [
        "政府采购法关于监督管理的规定",  # a loaded name, then 关于…的规定: not a title
        "劳动合同法里监督管理怎么规定",
        "防范和处置非法集资条例 集资防范",  # 非法 inside a loaded title ends no name
        "防范和处置非法集资条例关于监督管理的规定",
    ],
)
def test_a_phrase_about_a_loaded_document_is_not_a_missing_title(
    library: Library, question: str
) -> None:
    answer = library.answer(question)
    assert answer.status == "ok", (question, answer.missing)


def test_the_longest_name_in_a_question_names_the_document(library: Library) -> None:
    found, _ = library.mentioned("社会保险法里监督管理工作由谁负责")
    assert [library.document(d).title for d in found] == ["中华人民共和国社会保险法"]  # type: ignore[union-attr]
    answer = library.answer("社会保险法里监督管理工作由谁负责")
    assert "社会保险费征缴" in answer.hits[0].clause.text


def test_inside_a_named_document_its_name_s_words_do_not_pick_the_clause(
    library: Library,
) -> None:
    # 农民专业合作社登记 is in every clause of the regulation; the one word left picks it.
    answer = library.answer("农民专业合作社登记管理条例 换发")
    assert answer.status == "ok"
    assert answer.hits[0].clause.label == "第三十一条"


def test_a_law_s_implementing_rules_are_one_missing_name(library: Library) -> None:
    answer = library.answer("劳动合同法实施条例对试用期怎么规定")
    assert answer.status == "not_in_library"
    assert answer.missing == "劳动合同法实施条例"


@pytest.mark.parametrize(
    "question",
    [
        "劳动合同法实施条例第十条",
        "劳动合同法实施细则第三条",
        "劳动合同法修正案第一条",
        "劳合法实施条例第三条",
    ],
)
def test_a_reference_to_a_loaded_law_s_rules_is_not_that_law(
    library: Library, question: str
) -> None:
    # Only 劳动合同法 is loaded: its implementing rules or amendment are another document.
    for answer in (library.answer(question), library.lookup(question)):
        assert answer.status == "not_in_library", question
        assert answer.missing == question[: question.index("第")]


@pytest.mark.parametrize("name", ["劳动合同法", "社会保险法", "中华人民共和国社会保险法"])
def test_a_reference_to_a_loaded_law_stays_in_that_law(library: Library, name: str) -> None:
    answer = library.answer(f"{name}第三条")
    assert answer.status == "ok"
    assert answer.hits[0].doc_title == f"中华人民共和国{name.removeprefix('中华人民共和国')}"
    beyond = library.answer(f"{name}第十条")  # past its last article: its nearest ones
    assert beyond.status == "not_found"
    assert {h.doc_title for h in beyond.suggestions} == {answer.hits[0].doc_title}


def test_a_loaded_law_s_rules_are_missing_though_most_of_the_name_is_loaded(
    library: Library,
) -> None:
    # 实施条例 is a third of the name: most of it is the loaded law's, yet it is another's.
    answer = library.answer("消费者权益保护法实施条例对消费者保护怎么规定")
    assert answer.status == "not_in_library"
    assert answer.missing == "消费者权益保护法实施条例"


def test_everyday_words_are_not_taken_for_titles() -> None:
    for question in ("有什么办法能快点办", "这样违法吗", "用什么方法", "收益法还是成本法"):
        assert named_titles(question) == [], question
    assert named_titles("北京市数字政府建设条例从哪天开始施行") == ["北京市数字政府建设条例"]


def test_a_named_document_scopes_the_answer(library: Library) -> None:
    answer = library.answer("消保法里说的监督管理工作由谁负责")
    assert answer.status == "ok"
    assert "消费者权益保护法" in answer.hits[0].doc_title


def test_a_heading_asked_in_a_question_answers_with_that_heading() -> None:
    seeds = Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))
    natural = seeds.answer("数字政府的基本原则是什么")
    assert natural.hits[0].clause.heading == "基本原则"
    assert "加强数字政府建设" in natural.hits[0].doc_title


def test_sub_folders_are_read_readmes_and_hidden_folders_skipped(library: Library) -> None:
    sources = {s for d in library.documents for s in d.sources}
    assert "社会法/劳动合同法(2012-12-28).md" in sources
    assert not any("README" in s or ".hidden" in s for s in sources)


def test_editions_stay_apart_the_newest_answers(library: Library) -> None:
    editions = [d for d in library.documents if d.title == "中华人民共和国会计法"]
    assert sorted(d.edition for d in editions) == ["2017-11-04", "2024-06-28"]
    assert len(next(d for d in editions if d.edition == "2024-06-28").sources) == 2  # a copy
    [current] = library.answer("会计法第一条").hits
    assert "新版" in current.clause.text
    [old] = library.answer("会计法2017年版第一条").hits
    assert "旧版" in old.clause.text
    [previous] = library.answer("旧版会计法第一条").hits
    assert "旧版" in previous.clause.text


def test_cli_json_reports_not_in_library(
    laws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(laws))
    assert main(["ask", "个人信息保护法第十条", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "not_in_library"
    assert all(hit["score"] == 0 for hit in result["hits"])


def test_cli_json_says_a_loaded_law_s_rules_are_not_in_the_library(
    laws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(laws))
    assert main(["ask", "劳动合同法实施条例第十条", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "not_in_library"
    assert main(["ask", "劳动合同法第三条", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "ok"
    assert result["hits"][0]["doc_title"] == "中华人民共和国劳动合同法"


def test_cli_json_lists_the_documents_a_shared_name_fits(
    laws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(laws))
    assert main(["ask", "科技法第三条", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "ambiguous"
    assert result["name"] == "科技法"
    titles = sorted(c["doc_title"] for c in result["candidates"])
    assert titles == ["中华人民共和国科学技术普及法", "中华人民共和国科学技术进步法"]
    assert {"query", "mode", "hits", "summary"} <= result.keys()
    assert all(hit["score"] == 0 for hit in result["hits"])


def test_cli_text_lists_the_documents_a_shared_name_fits(
    laws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(laws))
    assert main(["ask", "科技法"]) == 0
    out = capsys.readouterr().out
    assert "「科技法」可以指下面几份文件" in out
    assert "《中华人民共和国科学技术普及法》" in out
    assert "《中华人民共和国科学技术进步法》" in out


def test_cli_docs_shows_edition_dates(
    laws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(laws))
    assert main(["docs"]) == 0
    out = capsys.readouterr().out
    assert "2024-06-28 版（现行）" in out
    assert "2017-11-04 版（旧版）" in out
