"""A question is prepared once: weighted terms, coverage words and what it asks for."""

from __future__ import annotations

import pytest

import retrieval.documents.names as names_module
import retrieval.library as library_module
import retrieval.question.query as query_module
import retrieval.words.tokenize as tokenize_module
from retrieval.library import Library
from retrieval.search.ranking import ExpansionWeights


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("今年中央财政给数字政府建设拨了多少钱", "amount"),
        ("在网上补办社保卡要交多少工本费", "amount"),
        ("健康码是哪一天正式停用的", "day"),
        ("数据出境安全评估一般多久能批", "date"),
        ("现在全国有几个省成立了数据管理机构", "count"),
        ("专家委员会的主任是哪位专家", "person"),
        ("好几个部门各自花钱买同一份社会数据", ""),
        ("Who's liable for security when departments share data?", ""),
        ("When did the plan take effect?", "date"),
        ("公共数据授权运营要公开哪些情况", "list"),
        ("哪个城市的政务服务做得最好", "rank"),
        ("全国一体化平台建设排名前十的省", "rank"),
        ("Which city is ranked top in open data?", "rank"),
        ("数据局的咨询电话是多少", "contact"),
        ("信用报告在哪个网址下载", "contact"),
        ("每个月能扣多少", "amount"),
    ],
)
def test_what_a_question_asks_for(library: Library, question: str, asks: str) -> None:
    assert library.prepare(question)[0].asks == asks


def test_own_words_weigh_more_than_expansions(library: Library) -> None:
    query, _ = library.prepare("企业要不要设首席数据官，数据资产入标怎么办")
    weights = query.weights()
    assert weights["企业"] == 1.0
    assert 0 < min(weights.values()) < 1.0


def test_neighbouring_thesaurus_words_weigh_below_synonyms(library: Library) -> None:
    wording = query_module.read_question("哪些数据禁止出境", library.tokenizer)
    chosen = ExpansionWeights(thesaurus=0.4, related=0.2)
    query = query_module.prepare(wording, library.tokenizer, library.expander, weights=chosen)
    weights = query.weights()
    assert weights["严禁"] == 0.2 < weights["取缔"]
    assert ("严禁", 0.2) in query.alternates["禁止"]


def test_document_names_are_not_coverage_words(library: Library) -> None:
    query, mentioned = library.prepare("数据二十条里数据跨境怎么管")
    assert mentioned == {"data20"}
    assert "二十条" not in "".join(query.words)


def test_english_words_are_coverage_units_found_through_their_chinese(
    library: Library,
) -> None:
    query, _ = library.prepare("Do ministries still run their own government clouds?")
    assert query.english
    assert {"ministry", "government cloud"} <= set(query.words)
    assert ("政务云", 1.0) in query.alternates["government cloud"]


def test_english_with_no_corpus_counterpart_abstains(library: Library) -> None:
    assert library.answer("What's the USD to CNY exchange rate today?").status == "abstain"


def test_a_mistyped_word_is_repaired_at_a_lower_weight(library: Library) -> None:
    query, _ = library.prepare("让数剧多跑路")
    assert query.weights()["数据"] == pytest.approx(library.models.expansion.typo)
    assert "数据" not in dict(query.terms)  # a stand-in, not the asker's own word


@pytest.mark.parametrize(
    ("question", "coincidence"),
    [
        ("帮我订一张明天去广州的高铁票", "提高"),  # 的高 straddles 的 and 高铁
        ("数字政府怎么带动大数据服务产业", "子政"),  # 字政 lies inside a known word
    ],
)
def test_sounds_across_or_inside_known_words_are_no_typo(
    library: Library, question: str, coincidence: str
) -> None:
    query, _ = library.prepare(question)
    assert coincidence not in query.weights()


@pytest.mark.parametrize(
    ("question", "defined"),
    [
        ("信用服务机构是指什么", "本条例所称信用服务机构，是指"),
        ("什么是市场信用信息", "市场信用信息是指"),
    ],
)
def test_a_definition_question_gets_the_defining_article_first(
    library_with_regulation: Library, question: str, defined: str
) -> None:
    answer = library_with_regulation.answer(question)
    assert defined in answer.hits[0].clause.text


def test_wanting_a_definition_is_noticed(library: Library) -> None:
    assert library.prepare("公共数据是指什么")[0].wants_definition
    assert not library.prepare("公共数据怎么开放")[0].wants_definition


@pytest.mark.parametrize(
    "question",
    ["政务云平台怎么建设", "《数据二十条》里数据跨境流动怎么管理", "What is a data broker?"],
)
def test_a_search_translates_and_segments_the_question_once(
    library: Library, question: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    translated: list[str] = []
    segmented: list[str] = []
    translate, words = library.tokenizer.translate, library.tokenizer.words
    monkeypatch.setattr(
        library.tokenizer, "translate", lambda t: translated.append(t) or translate(t)
    )
    monkeypatch.setattr(library.tokenizer, "words", lambda t: segmented.append(t) or words(t))
    assert library.answer(question).mode == "search"
    assert len(translated) == 1
    assert len(segmented) == len(set(segmented))  # no text cut into words twice


@pytest.mark.parametrize(
    "question",
    [
        "政务云平台怎么建设",
        "《数据二十条》里数据跨境流动怎么管理",
        "數據二十條第十條",
        "数据二十条",
    ],
)
def test_an_answer_folds_the_question_once(
    library: Library, question: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folded: list[str] = []
    # Every module that folds on the way to an answer (refs takes text folded already).
    for module in (query_module, library_module, names_module, tokenize_module):
        fold = module.fold_for_search
        monkeypatch.setattr(
            module, "fold_for_search", lambda t, fold=fold: folded.append(t) or fold(t)
        )
    library.answer(question)
    # Other folds are lexicon words an expansion segments (remembered after the first time).
    assert [t for t in folded if t in question] == [question]


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("偷卖别人信用信息要坐牢吗", "第五十三条"),  # 偷卖 → 窃取/出售, 坐牢 → 刑事责任
        ("信用信息记错了能改正吗", "第三十六条"),  # 记错 → 错误, 改正 → 更正
    ],
)
def test_everyday_words_reach_legal_wording(
    library_with_regulation: Library, question: str, label: str
) -> None:
    answer = library_with_regulation.answer(question)
    assert answer.status == "ok"
    assert answer.hits[0].clause.label == label


@pytest.mark.parametrize(
    ("question", "label", "absent"),
    [
        ("研发加计对数据企业有没有", "（十）", "研发加计"),  # → 研发费用加计扣除
        ("银行卡信息被人拿去卖了国家管吗", "二、（七）", "银行卡"),  # → 敏感个人信息
    ],
)
def test_the_curated_lexicon_reaches_a_clause_in_its_official_words(
    library: Library, question: str, label: str, absent: str
) -> None:
    answer = library.answer(question)
    assert answer.status == "ok"
    assert answer.hits[0].clause.label == label
    assert absent not in answer.hits[0].clause.text  # reached only through the lexicon


def test_a_learned_bridge_adds_translations_by_their_probability(library: Library) -> None:
    library.tokenizer.bridge["研发"] = (("研究", 0.2), ("技术", 0.1))
    try:
        query, _ = library.prepare("研发投入有什么支持")
    finally:
        del library.tokenizer.bridge["研发"]
    weights = query.weights()
    assert weights["研究"] == pytest.approx(library.models.expansion.bridge)
    assert weights["技术"] == pytest.approx(library.models.expansion.bridge / 2)
