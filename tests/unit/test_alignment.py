"""Learned bridges: IBM Model 1 finds which clause word a question word stands for."""

from __future__ import annotations

from retrieval.words.alignment import TranslationLM, bridges, model1

# Every question about the boss is answered by a clause about the employer; 应当 and 规定 are
# in every clause, whatever is asked.
PAIRS = [
    (["老板", "工资"], ["用人单位", "劳动报酬", "应当", "规定"]),
    (["老板", "辞退"], ["用人单位", "解除", "应当", "规定"]),
    (["老板", "加班"], ["用人单位", "延长", "工作时间", "应当", "规定"]),
    (["工资", "拖欠"], ["劳动报酬", "支付", "应当", "规定"]),
    (["工资", "扣"], ["劳动报酬", "克扣", "应当", "规定"]),
    (["辞退", "赔偿"], ["解除", "经济补偿", "应当", "规定"]),
]


def test_a_word_learns_the_clause_word_it_always_comes_with() -> None:
    table = model1(PAIRS)
    boss = {target: p for (source, target), p in table.items() if source == "老板"}
    assert max(boss, key=boss.__getitem__) == "用人单位"
    wage = {target: p for (source, target), p in table.items() if source == "工资"}
    assert max(wage, key=wage.__getitem__) == "劳动报酬"


def test_translations_of_a_word_are_probabilities() -> None:
    table = model1(PAIRS)
    total = sum(p for (source, _), p in table.items() if source == "老板")
    assert abs(total - 1.0) < 1e-9


def test_bridges_need_support_in_distinct_questions() -> None:
    found = {(t.source, t.target) for t in bridges(PAIRS, min_questions=3, min_probability=0.1)}
    assert ("老板", "用人单位") in found  # seen together in three questions
    assert ("辞退", "解除") not in found  # only two


def test_bridges_drop_words_every_clause_has() -> None:
    found = bridges(PAIRS, min_questions=2, min_probability=0.0, min_lift=2.0, per_word=9)
    assert ("老板", "用人单位") in {(t.source, t.target) for t in found}
    assert not {t.target for t in found} & {"应当", "规定"}


def test_identity_pairs_are_no_bridge() -> None:
    pairs = [(["劳动报酬", "老板"], ["劳动报酬", "用人单位"])] * 3
    found = {(t.source, t.target) for t in bridges(pairs, min_questions=1, min_probability=0.0)}
    assert ("劳动报酬", "劳动报酬") not in found
    assert ("老板", "用人单位") in found


def test_a_clause_saying_what_is_asked_in_its_own_words_scores_higher() -> None:
    tlm = TranslationLM.learn(PAIRS)
    employer = {"用人单位": 1, "解除": 1, "应当": 1}
    other = {"劳动报酬": 1, "支付": 1, "应当": 1}
    prior = (0.001,)
    assert tlm.score(["老板"], employer, "", prior) > tlm.score(["老板"], other, "", prior)


def test_an_unseen_word_backs_off_to_its_character_bigrams_only_when_asked() -> None:
    tlm = TranslationLM.learn(PAIRS)
    backoff = TranslationLM(tlm.table, bigram_backoff=True)
    clause = {"社会保险": 1}
    prior = (0.001,)
    with_text = backoff.score(["社保费"], clause, "缴纳社保费用", prior)
    assert with_text > backoff.score(["社保费"], clause, "缴纳保险", prior)
    assert tlm.score(["社保费"], clause, "缴纳社保费用", prior) == tlm.score(
        ["社保费"], clause, "缴纳保险", prior
    )
