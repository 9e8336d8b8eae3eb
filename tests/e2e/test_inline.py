"""Inline mode through the local Bot API server: `@bot …` in any chat offers clauses to post."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.fake_bot_api import Failure, FakeBotApi
from tests.e2e.harness import Harness

pytestmark = pytest.mark.e2e

ALICE = {"id": 701, "is_bot": False, "first_name": "Alice"}
GROUP = {"id": -3003, "type": "supergroup", "title": "不含机器人的群"}


async def answered(bot: Harness, text: str) -> tuple[str, list[dict[str, Any]]]:
    query_id = bot.api.inline(ALICE, text)
    params = await bot.wait_for(lambda: bot.api.inline_answers.get(query_id))
    return query_id, params["results"]


async def test_a_reference_offers_the_clause_and_posts_the_quote(bot: Harness) -> None:
    query_id, results = await answered(bot, "数据二十条第十条")
    assert results[0]["title"] == "《数据二十条》（十）"
    assert results[0]["description"]
    posted = bot.api.choose(GROUP, ALICE, query_id, results[0]["id"])
    title = "《中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见》（十）"
    assert posted["text"].startswith(title)
    assert "<blockquote>" in posted["html"]
    assert posted["via_bot"]["username"] == "policy_test_bot"
    assert not bot.errors


async def test_a_question_offers_matching_clauses(bot: Harness) -> None:
    _, results = await answered(bot, "授权运营 公开")
    assert any(r["title"] == "《公共数据资源开发利用意见》（五）" for r in results)
    assert all(len(r["id"].encode()) <= 64 for r in results)


@pytest.mark.parametrize("text", ["", "今年端午节放几天假", "？？"])
async def test_empty_or_useless_queries_offer_the_documents(bot: Harness, text: str) -> None:
    query_id, results = await answered(bot, text)
    assert [r["title"] for r in results] == [
        f"《{d.title}》" for d in bot.services.library.documents
    ]
    posted = bot.api.choose(GROUP, ALICE, query_id, results[0]["id"])
    assert bot.services.library.documents[0].title in posted["text"]


async def test_a_whole_chapter_offers_every_clause_each_under_the_limit(bot: Harness) -> None:
    query_id, results = await answered(bot, "数字政府 第二部分")
    titles = [r["title"] for r in results]
    assert {"《数字政府指导意见》二、（一）", "《数字政府指导意见》二、（七）"} <= set(titles)
    for result in results:
        assert len(bot.api.choose(GROUP, ALICE, query_id, result["id"])["text"]) <= 4096


def article(n: int, text: str = "x") -> dict[str, Any]:
    content = {"message_text": text, "parse_mode": "HTML"}
    return {"type": "article", "id": f"r{n}", "title": "t", "input_message_content": content}


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ([article(n) for n in range(51)], "RESULTS_TOO_MUCH"),
        ([{**article(1), "id": "x" * 65}], "RESULT_ID_INVALID"),
        ([article(1), article(1)], "RESULT_ID_DUPLICATE"),
        ([article(1, "a" * 4097)], "too long"),
        ([article(1, "<b>unclosed")], "can't parse entities"),
    ],
)
def test_the_fake_checks_inline_answers_like_telegram(
    results: list[dict[str, Any]], error: str
) -> None:
    with pytest.raises(Failure, match=error):
        FakeBotApi().handle("answerInlineQuery", {"inline_query_id": "1", "results": results})
