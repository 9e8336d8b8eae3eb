"""The rerank and abstain models: comparable features, a rule with two fitted parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.search.ranking import DEFAULT_MODELS, FEATURES, Models, states


def features(**values: float) -> list[float]:
    return [values.get(name, 0.0) for name in FEATURES]


@pytest.mark.parametrize(
    ("kind", "text", "stated"),
    [
        ("amount", "处一万元以上十万元以下罚款", True),
        ("amount", "完善经费保障机制", False),
        ("day", "新华社北京6月23日电", True),
        ("day", "到2025年", False),
        ("date", "到2027年底", True),
        ("date", "查询期限为五年", True),
        ("count", "28个省级政府组建数据管理机构", True),
        ("count", "可以免费获取两次本人的信用报告", True),
        ("person", "习近平总书记强调", True),
        ("person", "成立数字政府建设专家委员会", False),
        ("rank", "在线服务指数排名提升至全球第9位", True),
        ("rank", "推动数字政府建设走在前列", True),
        ("rank", "提升政务服务水平", False),
        ("contact", "拨打12345政务服务便民热线", True),
        ("contact", "通过www.gov.cn查询", True),
        ("contact", "建立咨询投诉渠道", False),
    ],
)
def test_a_clause_states_what_a_question_asks_for(kind: str, text: str, stated: bool) -> None:
    assert states(kind, text) is stated


def test_a_missing_fact_abstains_whatever_the_coverage() -> None:
    assert DEFAULT_MODELS.answers(features(coverage=0.9, words=0.75))
    assert not DEFAULT_MODELS.answers(features(coverage=0.9, words=0.75, fact=1.0))


def test_one_shared_word_needs_most_of_the_question() -> None:
    one_word = 1 - 1 / 2  # the squashed count for one whole word
    assert not DEFAULT_MODELS.answers(features(coverage=0.5, words=one_word))
    assert DEFAULT_MODELS.answers(features(coverage=0.8, words=one_word))


def test_the_named_document_counts_as_a_shared_word() -> None:
    one_word = 1 - 1 / 2
    assert not DEFAULT_MODELS.answers(features(coverage=0.5, words=one_word))
    assert DEFAULT_MODELS.answers(features(coverage=0.5, words=one_word, named=1.0))


def test_models_round_trip_and_bad_files_fall_back(tmp_path: Path) -> None:
    path = tmp_path / "ranking.json"
    path.write_text(DEFAULT_MODELS.to_json(), encoding="utf-8")
    assert Models.load(path) == DEFAULT_MODELS
    path.write_text("{}", encoding="utf-8")
    assert Models.load(path) == DEFAULT_MODELS
    assert Models.load(tmp_path / "missing.json") == DEFAULT_MODELS


def test_a_learned_abstain_decision_answers_above_its_threshold_only() -> None:
    # Answers when 4 × coverage − 2 ≥ 0: the learned weights, bias last.
    learned = (*(4.0 if name == "coverage" else 0.0 for name in FEATURES), -2.0)
    models = Models(DEFAULT_MODELS.rank, 0.1, 2, abstain=learned)
    assert models.answers(features(coverage=0.6, words=0.5))
    assert not models.answers(features(coverage=0.4, words=0.75))


def test_the_rules_floor_holds_under_a_learned_decision() -> None:
    always = (*(0.0 for _ in FEATURES), 5.0)
    models = Models(DEFAULT_MODELS.rank, 0.2, 2, abstain=always)
    assert models.answers(features(coverage=0.3))
    assert not models.answers(features(coverage=0.1))  # below min_coverage
    assert not models.answers(features(coverage=0.9, fact=1.0))  # the fact asked is not stated


def test_a_learned_decision_round_trips_through_ranking_json(tmp_path: Path) -> None:
    learned = tuple(float(n) for n in range(len(FEATURES) + 1))
    models = Models(DEFAULT_MODELS.rank, 0.1, 2, abstain=learned)
    path = tmp_path / "ranking.json"
    path.write_text(models.to_json(), encoding="utf-8")
    assert Models.load(path) == models
