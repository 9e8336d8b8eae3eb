"""Telegram HTML: escaped, terms in bold, split at clause and paragraph boundaries."""

from __future__ import annotations

import pytest

from bot.telegram.formatting import answer_messages, emphasize, hit_blocks
from retrieval.library import Library
from tests.e2e.fake_bot_api import parse_html


def test_user_and_corpus_text_is_escaped() -> None:
    assert emphasize("<b>&</b> 数据", ["数据"]) == "&lt;b&gt;&amp;&lt;/b&gt; <b>数据</b>"


def test_longest_terms_are_bold_first() -> None:
    assert emphasize("数据安全管理", ["数据", "数据安全"]) == "<b>数据安全</b>管理"


@pytest.mark.parametrize("limit", [300, 600, 1200, 4096])
def test_messages_fit_and_parse_at_any_limit(library: Library, limit: int) -> None:
    answer = library.answer("数字政府 第二部分")
    messages = answer_messages(answer, ["数据", "政务"], limit=limit)
    assert all(len(m) <= limit for m in messages)
    plain = "".join(parse_html(m) for m in messages)  # raises on unbalanced tags
    for hit in answer.hits:
        for paragraph in hit.clause.text.splitlines():
            assert paragraph[:20] in plain


def test_long_clause_quote_is_expandable(library: Library) -> None:
    clause = library.answer("数字政府 2.4").hits[0]
    [block] = hit_blocks(clause, [])
    assert block.count("<blockquote expandable>") == 1


def test_short_clause_quote_is_plain_blockquote(library: Library) -> None:
    clause = library.answer("数据流通安全治理实施方案 二（三）").hits[0]
    assert len(clause.clause.text) < 400
    assert "<blockquote>" in hit_blocks(clause, [])[0]
