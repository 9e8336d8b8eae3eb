"""Faults a user or the network can cause, through the real Application and the local Bot API."""

from __future__ import annotations

import pytest

from bot import texts
from tests.e2e.harness import Harness

pytestmark = pytest.mark.e2e

ALICE = {"id": 801, "is_bot": False, "first_name": "Alice"}
BOB = {"id": 802, "is_bot": False, "first_name": "Bob"}
PRIVATE = {"id": 801, "type": "private", "first_name": "Alice"}
GROUP = {"id": -1008, "type": "supergroup", "title": "综合处"}


async def test_a_chat_that_blocked_the_bot_is_answered_when_it_writes_again(bot: Harness) -> None:
    bot.api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    bot.api.send(PRIVATE, ALICE, "数据安全")
    await bot.wait_for(lambda: PRIVATE["id"] in bot.services.blocked_chats)
    bot.api.send(PRIVATE, ALICE, "/start")
    [start] = await bot.replies(PRIVATE["id"])
    assert "政策文件问答机器人" in start["text"]
    bot.api.send(PRIVATE, ALICE, "数据二十条第十条")
    [answer] = await bot.replies(PRIVATE["id"], after=1)
    assert "（十）" in answer["text"]
    assert not bot.errors


@pytest.mark.parametrize(
    "data",
    [
        *("m|abc", "m|", "h|data20|x", "t|data20|", "n|data20|-1", "zz"),  # match no pattern
        *("n|data20|99999", "n|nodoc|0", "h|nodoc|0", "t|nodoc|0", "s|nodoc"),  # name nothing
    ],
)
async def test_forged_callback_data_gets_the_expired_answer(bot: Harness, data: str) -> None:
    bot.api.send(PRIVATE, ALICE, "/clause 数据二十条第十条")
    [reply] = await bot.replies(PRIVATE["id"])
    bot.api.press(reply, data, ALICE)
    answered = await bot.wait_for(lambda: bot.api.calls_of("answerCallbackQuery"))
    assert answered[0].get("text") == texts.EXPIRED
    assert all("出错" not in m["text"] for m in await bot.quiet(PRIVATE["id"], 0.3))
    assert not bot.errors


@pytest.mark.parametrize("command", ["/digest", "/summary off"])
async def test_digest_and_summary_switch_are_for_group_admins(bot: Harness, command: str) -> None:
    bot.api.send(GROUP, BOB, command)
    [reply] = await bot.replies(GROUP["id"])
    assert reply["text"] == texts.ADMINS_ONLY_COMMAND.format(command=command.split()[0])
    assert not bot.api.calls_of("sendMessage")[1:]  # no digest went out
    assert not bot.errors


async def test_a_group_admin_may_ask_for_the_digest(bot: Harness) -> None:
    bot.api.members[(GROUP["id"], BOB["id"])] = "administrator"
    bot.api.send(GROUP, BOB, "/digest")
    replies = await bot.replies(GROUP["id"], count=2)
    assert any("政策日报" in r["text"] for r in replies)
    assert not bot.errors


async def test_a_send_slower_than_the_http_timeout_gets_no_error_reply(bot: Harness) -> None:
    # The server takes longer than PTB's 5 s read timeout, then delivers the answer anyway.
    bot.api.hold("sendMessage", "（十）", 5.6)
    bot.api.send(PRIVATE, ALICE, "数据二十条第十条")
    await bot.wait_for(lambda: bot.api.sent(PRIVATE["id"]), seconds=10)
    sent = await bot.quiet(PRIVATE["id"], 0.5)
    assert ["（十）" in m["text"] for m in sent] == [True]
