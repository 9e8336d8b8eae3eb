"""Questions find the clause that answers them; unanswerable ones abstain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.library import Library
from retrieval.words.normalize import fold_layout


@pytest.mark.parametrize(
    ("question", "doc_id", "label"),
    [
        ("公共数据授权运营的情况要不要公开披露", "public_data", "（五）"),
        ("数据跨境流动怎么管理", "data20", "（十一）"),
        ("政务云平台怎么建设", "digital_gov", "六、（一）"),
        ("个人信息数据确权授权", "data20", "（六）"),
        ("如何防范数据滥用", "data_circulation", "二、（七）"),
        ("要不要成立专家委员会研究数字政府", "digital_gov", "八、（三）"),
    ],
)
def test_question_finds_its_clause_first(
    library: Library, question: str, doc_id: str, label: str
) -> None:
    answer = library.answer(question)
    assert answer.status == "ok"
    top = answer.hits[0].clause
    assert (top.doc_id, top.label) == (doc_id, label)


def test_traditional_characters_are_folded(library: Library) -> None:
    simplified = library.answer("公共数据开放的权责和范围")
    traditional = library.answer("公共數據開放的權責和範圍")
    assert [h.clause.label for h in traditional.hits] == [h.clause.label for h in simplified.hits]


def test_english_question_uses_the_glossary(library: Library) -> None:
    answer = library.answer("cross-border data flows")
    assert answer.status == "ok"
    assert answer.hits[0].clause.label == "（十一）"


@pytest.mark.parametrize(
    "question",
    [
        "明天北京天气怎么样",
        "医保怎么报销",
        "推荐一家好吃的火锅店",
        "How tall is Mount Everest?",
    ],
)
def test_out_of_scope_abstains(library: Library, question: str) -> None:
    answer = library.answer(question)
    assert answer.status == "abstain"
    assert not answer.hits


def test_results_are_distinct(library: Library) -> None:
    answer = library.answer("政务数据共享", k=10)
    keys = [(h.clause.doc_id, h.clause.label) for h in answer.hits]
    assert len(keys) == len(set(keys)) == 10


def test_named_document_is_preferred(library: Library) -> None:
    answer = library.answer("新闻稿里怎么说领导小组的")
    assert answer.hits[0].clause.doc_id == "news"


def test_a_question_naming_its_document_needs_one_more_word_only(library: Library) -> None:
    # After the name, 保护 and 老年人 are left; the clause on special groups has 老年人 only.
    answer = library.answer("数字政府怎么保护老年人")
    assert answer.status == "ok"
    top = answer.hits[0].clause
    assert (top.doc_id, top.label) == ("digital_gov", "二、（四）")


def test_a_search_answer_carries_the_terms_to_highlight(library: Library) -> None:
    answer = library.answer("政务云平台怎么建设")
    assert {"政务云", "平台", "建设"} <= set(answer.terms)


def test_a_typo_is_highlighted_as_the_word_it_stands_for(library: Library) -> None:
    assert "建设" in library.answer("政务云平台怎么见设").terms


def test_a_looked_up_clause_is_quoted_without_highlights(library: Library) -> None:
    answer = library.answer("数据二十条第十条")
    assert answer.mode == "lookup"
    assert answer.terms == ()


def test_our_own_eval_questions_quote_their_gold_clauses(library: Library) -> None:
    # tests/fixtures/own_qa.jsonl is judged by its snippets: each must be verbatim in the
    # clause it names, or the figures in the README would measure nothing.
    path = Path(__file__).parent.parent / "fixtures" / "own_qa.jsonl"
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    texts = {(c.doc_id, c.label): fold_layout(c.text) for c in library.clauses}
    for case in cases:
        for gold in case["gold"]:
            text = texts[(gold["doc"], gold["section"])]
            assert all(fold_layout(s) in text for s in gold["snippets"]), case["id"]
