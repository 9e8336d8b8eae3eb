"""The bot as colleagues use it, through a local Bot API server over real HTTP."""

from __future__ import annotations

import pytest

from bot.commands import COMMANDS
from tests.e2e.fake_bot_api import BOT
from tests.e2e.harness import Harness, buttons

pytestmark = pytest.mark.e2e

ALICE = {"id": 501, "is_bot": False, "first_name": "Alice"}
BOB = {"id": 502, "is_bot": False, "first_name": "Bob"}
GROUP = {"id": -1001, "type": "supergroup", "title": "数据处"}
PRIVATE = {"id": 501, "type": "private", "first_name": "Alice"}


async def test_start_and_help(bot: Harness) -> None:
    bot.api.send(PRIVATE, ALICE, "/start")
    [start] = await bot.replies(PRIVATE["id"])
    assert "政策文件问答机器人" in start["text"]
    bot.api.send(PRIVATE, ALICE, "/help")
    [help_] = await bot.replies(PRIVATE["id"], after=1)
    for command in ("/ask", "/clause", "/docs", "/toc", "/subscribe", "/digest"):
        assert command in help_["text"]
    assert "隐私模式" in help_["text"]
    menu = bot.api.calls_of("setMyCommands")[0]["commands"]
    assert [c["command"] for c in menu] == [c.name for c in COMMANDS]
    assert not bot.errors


async def test_private_question_is_answered_with_quote_title_and_section(bot: Harness) -> None:
    asked = bot.api.send(PRIVATE, ALICE, "网络安全态势感知监测")
    [reply] = await bot.replies(PRIVATE["id"])
    assert reply["reply_to_message"]["message_id"] == asked["message_id"]
    assert "《国务院关于加强数字政府建设的指导意见》三、（三）" in reply["text"]
    assert "拓展网络安全态势感知监测范围" in reply["text"]
    assert "<blockquote" in reply["html"]
    assert "<b>态势感知</b>" in reply["html"] or "<b>网络安全</b>" in reply["html"]


async def test_group_mention_command_and_reply(bot: Harness) -> None:
    bot.api.send(GROUP, ALICE, f"@{BOT['username']} 数据跨境流动怎么管理")
    [first] = await bot.replies(GROUP["id"])
    assert "跨境" in first["text"]
    bot.api.send(GROUP, BOB, f"/ask@{BOT['username']} 公共数据授权运营情况要公开吗")
    [second] = await bot.replies(GROUP["id"], after=1)
    assert "（五）" in second["text"]
    bot.api.send(GROUP, BOB, "数据二十条第三条")  # plain chatter sets nothing
    bot.api.send(GROUP, ALICE, "那第七条呢", reply_to=second)
    [third] = await bot.replies(GROUP["id"], after=2)
    assert (
        "《中共中央办公厅 国务院办公厅关于加快公共数据资源开发利用的意见》（七）" in third["text"]
    )
    assert not bot.errors


async def test_group_chatter_is_ignored(bot: Harness) -> None:
    bot.api.send(GROUP, ALICE, "今天中午吃什么")
    bot.api.send(GROUP, BOB, "数据安全很重要")
    assert await bot.quiet(GROUP["id"]) == []


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("/clause 数据二十条第十条", "（十）"),
        ("/clause 数字政府 2.3", "二、（三）"),
        ("/clause 公共数据意见(5)", "（五）"),
    ],
)
async def test_clause_lookups(bot: Harness, ref: str, expected: str) -> None:
    bot.api.send(PRIVATE, ALICE, ref)
    [reply] = await bot.replies(PRIVATE["id"])
    assert expected in reply["text"].splitlines()[0]
    assert {"上一条", "下一条", "本章目录", "来源文件"} <= set(buttons(reply))


async def test_not_found_offers_nearest_sections_as_buttons(bot: Harness) -> None:
    bot.api.send(PRIVATE, ALICE, "/clause 数据二十条第二十一条")
    [reply] = await bot.replies(PRIVATE["id"])
    assert "没有找到该编号的条款" in reply["text"]
    nearest = buttons(reply)
    assert any(label.startswith("（二十）") for label in nearest)
    bot.api.press(reply, nearest[next(k for k in nearest if k.startswith("（二十）"))], ALICE)
    edited = await bot.wait_for(lambda: "（二十）" in bot.api.sent(PRIVATE["id"])[0]["text"])
    assert edited


async def test_every_button(bot: Harness) -> None:
    bot.api.send(PRIVATE, ALICE, "数据安全托管服务")
    [answer] = await bot.replies(PRIVATE["id"])
    keys = buttons(answer)
    assert {"更多结果", "上一条", "下一条", "本章目录"} <= set(keys)
    first_line = answer["text"].splitlines()[0]

    bot.api.press(answer, keys["更多结果"], ALICE)
    [more] = await bot.replies(PRIVATE["id"], after=1)
    assert more["text"].splitlines()[0] != first_line

    bot.api.press(answer, keys["下一条"], ALICE)
    await bot.wait_for(
        lambda: bot.api.sent(PRIVATE["id"])[0]["text"].splitlines()[0] != first_line
    )
    moved = bot.api.sent(PRIVATE["id"])[0]
    bot.api.press(moved, buttons(moved)["上一条"], ALICE)
    await bot.wait_for(
        lambda: bot.api.sent(PRIVATE["id"])[0]["text"].splitlines()[0] == first_line
    )

    bot.api.press(answer, keys["本章目录"], ALICE)
    [toc] = await bot.replies(PRIVATE["id"], after=2)
    assert "目录" in toc["text"]
    assert not bot.errors


async def test_docs_and_paged_toc(bot: Harness) -> None:
    bot.api.send(PRIVATE, ALICE, "/docs")
    [docs] = await bot.replies(PRIVATE["id"])
    assert "data20" in docs["text"]
    bot.api.send(PRIVATE, ALICE, "/toc 数字政府")
    [toc] = await bot.replies(PRIVATE["id"], after=1)
    assert "（1/3）" in toc["text"]
    bot.api.press(toc, buttons(toc)["下一页"], ALICE)
    await bot.wait_for(lambda: "（2/3）" in bot.api.sent(PRIVATE["id"])[1]["text"])
    page2 = bot.api.sent(PRIVATE["id"])[1]
    assert {"上一页", "下一页"} <= set(buttons(page2))


async def test_source_button_on_lookup(bot: Harness) -> None:
    bot.api.send(PRIVATE, ALICE, "/clause 数字政府 1.1")
    [reply] = await bot.replies(PRIVATE["id"])
    bot.api.press(reply, buttons(reply)["来源文件"], ALICE)
    [source] = await bot.replies(PRIVATE["id"], after=1)
    assert "000_cd1b781137da23f0.txt" in source["text"]


async def test_long_question_and_html_specials(bot: Harness) -> None:
    bot.api.send(PRIVATE, ALICE, "数据共享" * 1250)
    [long_reply] = await bot.replies(PRIVATE["id"])
    assert "问题较长" in long_reply["text"]
    bot.api.send(PRIVATE, ALICE, "<b>&</b> 是什么")
    [special] = await bot.replies(PRIVATE["id"], after=1)
    assert "未找到相关条款" in special["text"]
    assert "「<b>&</b> 是什么」" in special["text"]  # shown literally, not as markup
    bot.api.send(PRIVATE, ALICE, "/ask <b>&amp; 数据安全")
    [echoed] = await bot.replies(PRIVATE["id"], after=2)
    assert "「<b>&amp; 数据安全」" in echoed["text"]  # the command argument, escaped once
    assert not bot.errors


async def test_a_whole_chapter_is_sent_within_the_limit(bot: Harness) -> None:
    bot.api.send(PRIVATE, ALICE, "/clause 数字政府 第二部分")
    replies = await bot.quiet(PRIVATE["id"], seconds=1.0)
    assert replies
    assert all(len(r["text"]) <= 4096 for r in replies)
    text = "".join(r["text"] for r in replies)
    assert "二、（一）" in text
    assert "二、（七）" in text
    assert not bot.errors


async def test_429_is_waited_out(bot: Harness) -> None:
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    bot.api.send(PRIVATE, ALICE, "/clause 数据二十条第十条")
    [reply] = await bot.replies(PRIVATE["id"])
    assert "（十）" in reply["text"]
    assert len(bot.api.calls_of("sendMessage")) == 2


async def test_403_stops_sending_to_that_chat_only(bot: Harness) -> None:
    bot.api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    bot.api.send(PRIVATE, ALICE, "数据安全")
    await bot.wait_for(lambda: PRIVATE["id"] in bot.services.blocked_chats)
    bot.api.send(GROUP, BOB, f"@{BOT['username']} 数据安全")
    assert await bot.replies(GROUP["id"])
    to_alice = [c for c in bot.api.calls_of("sendMessage") if int(c["chat_id"]) == PRIVATE["id"]]
    assert len(to_alice) == 1  # not retried; nothing else is sent there until she writes
    assert not bot.errors


async def test_rate_limit_replies_politely(bot: Harness) -> None:
    bot.services.flood_gate.limit = 2
    for _ in range(3):
        bot.api.send(PRIVATE, ALICE, "数据安全")
    replies = await bot.replies(PRIVATE["id"], count=3)
    # Updates are handled concurrently, so the refusal may arrive before the answers.
    assert sum("太快" in r["text"] for r in replies) == 1


async def test_formatting_rejected_is_resent_as_plain_text(bot: Harness) -> None:
    bot.api.fail_next("sendMessage", 400, "Bad Request: can't parse entities: bad tag")
    bot.api.send(PRIVATE, ALICE, "/clause 数据二十条第十条")
    [reply] = await bot.replies(PRIVATE["id"])
    assert "（十）" in reply["text"]
    assert reply["html"] == reply["text"]  # sent without parse_mode
    assert not bot.errors


async def test_handler_error_gets_a_chinese_reply_and_the_bot_lives_on(bot: Harness) -> None:
    bot.api.fail_next("sendMessage", 400, "Bad Request: chat not found")
    bot.api.send(PRIVATE, ALICE, "数据安全")
    [sorry] = await bot.replies(PRIVATE["id"])
    assert "出错" in sorry["text"]
    # The harness's own error handler runs after the bot's, which sent the reply above.
    await bot.wait_for(lambda: bot.errors)
    assert len(bot.errors) == 1
    bot.api.send(PRIVATE, ALICE, "数据二十条第十条")
    [after] = await bot.replies(PRIVATE["id"], after=1)
    assert "（十）" in after["text"]


async def test_a_document_name_answers_with_its_card(bot: Harness) -> None:
    bot.api.send(PRIVATE, ALICE, "数据二十条")
    [card] = await bot.replies(PRIVATE["id"])
    assert card["text"].startswith(
        "《中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见》"
    )
    assert "发文：中共中央 国务院" in card["text"]
    assert "未找到" not in card["text"]
    keys = buttons(card)
    assert set(keys) == {"目录", "来源文件"}
    bot.api.press(card, keys["目录"], ALICE)
    await bot.wait_for(lambda: "目录（1/" in bot.api.sent(PRIVATE["id"])[0]["text"])
    assert not bot.errors


async def test_a_title_with_book_marks_is_not_wrapped_twice(bot: Harness) -> None:
    bot.api.send(PRIVATE, ALICE, "新闻稿")
    [card] = await bot.replies(PRIVATE["id"])
    assert card["text"].startswith("国务院印发《关于加强数字政府建设的指导意见》")
    assert "《国务院印发" not in card["text"]
