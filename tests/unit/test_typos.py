"""Homophone typos of up to two characters, believed where the asker's words point to one."""

from __future__ import annotations

import pytest

from retrieval.library import Library


def repaired_to(library: Library, question: str) -> dict[str, float]:
    """The corpus words a question's typos stand in for (stand-ins at the typo weight)."""
    typo = library.models.expansion.typo
    prepared = library.prepare(question)[0]
    return {
        token: weight
        for group in prepared.groups
        for tokens, weight in group
        if weight == typo
        for token in tokens
    }


@pytest.mark.parametrize(
    ("question", "meant"),
    [
        ("建立数据检关制度", "监管"),  # 检关: both characters homophones of 监管's
        ("怎么保护个仁信细不被泄露", "个人信息"),  # two wrong in four
        ("推进书字正府建设的主要目标是什么", "数字政府"),
    ],
)
def test_two_homophone_characters_are_repaired(
    library: Library, question: str, meant: str
) -> None:
    assert meant in repaired_to(library, question)


@pytest.mark.parametrize(
    ("question", "meant"),
    [("建设全国统一的政务服务瓶抬", "平台"), ("数据跨竞流动怎么监管", "跨境")],
)
def test_a_word_the_typo_broke_into_characters_is_repaired(
    library: Library, question: str, meant: str
) -> None:
    assert meant in repaired_to(library, question)


def test_a_dictionary_word_two_characters_off_was_meant_as_typed(library: Library) -> None:
    assert "政务" not in repaired_to(library, "正午前能办完吗")  # 正午, not 政务
    assert "交易" not in repaired_to(library, "宗教教义受法律保护吗")


def test_two_sounds_inside_a_dictionary_word_are_that_word(library: Library) -> None:
    assert "聚焦" not in repaired_to(library, "上海数据交易所去年成交额是多少")  # 据交


def test_a_rare_reading_is_no_two_character_typo(library: Library) -> None:
    assert ("易所", "一些") not in library.expander.repaired("易所", most=2)  # 些 read suo


def test_a_stop_word_next_to_a_stray_character_is_no_typo(library: Library) -> None:
    assert "人才" not in repaired_to(library, "保证人在什么情况下需要承担保证责任")
