"""One busy chat never holds up the others: floods, group limits and 429s, through real HTTP."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.e2e.harness import Harness

pytestmark = pytest.mark.e2e

FLOODER = {"id": 901, "is_bot": False, "first_name": "Flood"}
CAROL = {"id": 902, "is_bot": False, "first_name": "Carol"}
DAVE = {"id": 903, "is_bot": False, "first_name": "Dave"}
GROUP = {"id": -1009, "type": "supergroup", "title": "大群"}
CAROL_CHAT = {"id": 902, "type": "private", "first_name": "Carol"}
DAVE_CHAT = {"id": 903, "type": "private", "first_name": "Dave"}


async def answered_within(bot: Harness, chat: dict, user: dict, seconds: float) -> float:
    """Ask in a private chat; the seconds until the answer arrived (fails after `seconds`)."""
    before = len(bot.api.sent(chat["id"]))
    started = time.monotonic()
    bot.api.send(chat, user, "数据二十条第十条")
    [reply] = await bot.wait_for(
        lambda: bot.api.sent(chat["id"])[before:] or None, seconds=seconds
    )
    assert "（十）" in reply["text"]
    return time.monotonic() - started


async def test_a_flood_of_asks_gets_one_notice_and_others_are_answered_meanwhile(
    bot: Harness,
) -> None:
    for n in range(200):  # 200 /ask in 5 s from one user in a group
        bot.api.send(GROUP, FLOODER, "/ask 数据安全")
        if n == 100:
            await answered_within(bot, CAROL_CHAT, CAROL, 2.0)
        await asyncio.sleep(0.025)
    await answered_within(bot, DAVE_CHAT, DAVE, 2.0)
    sent = await bot.quiet(GROUP["id"], 1.0)
    notices = [m for m in sent if "太快" in m["text"]]
    assert len(notices) == 1
    assert len(sent) - len(notices) == bot.services.flood_gate.limit
    assert not bot.errors


async def test_queued_group_replies_do_not_take_the_slots_other_chats_need(bot: Harness) -> None:
    # 120 colleagues ask at once: the group's replies queue behind 20 messages a minute.
    for n in range(120):
        bot.api.send(
            GROUP, {"id": 10_000 + n, "is_bot": False, "first_name": "同事"}, "/ask 数据安全"
        )
    await bot.wait_for(lambda: len(bot.api.sent(GROUP["id"])) >= 20)
    await asyncio.sleep(0.5)
    assert await answered_within(bot, CAROL_CHAT, CAROL, 2.0) < 2.0
    assert not bot.errors


async def test_a_429_in_one_chat_does_not_delay_other_chats(bot: Harness) -> None:
    bot.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30)
    bot.api.send(CAROL_CHAT, CAROL, "数据二十条第十条")
    await bot.wait_for(lambda: bot.api.calls_of("sendMessage"))
    assert await answered_within(bot, DAVE_CHAT, DAVE, 2.0) < 2.0
    assert bot.api.sent(CAROL_CHAT["id"]) == []  # Carol's chat waits out its 30 s


async def test_a_flood_of_digest_commands_is_rate_limited_like_questions(bot: Harness) -> None:
    for _ in range(40):
        bot.api.send(CAROL_CHAT, CAROL, "/digest")
    sent = await bot.quiet(CAROL_CHAT["id"], 1.5)
    notices = [m for m in sent if "太快" in m["text"]]
    assert len(notices) == 1
    assert len(sent) < 40  # not one digest (of several messages each) per command
    assert not bot.errors


async def test_a_429_on_one_inline_answer_does_not_delay_other_users_results(
    bot: Harness,
) -> None:
    bot.api.fail_next("answerInlineQuery", 429, "Too Many Requests: retry after 4", retry_after=4)
    carols = bot.api.inline(CAROL, "数据二十条第十条")
    await bot.wait_for(lambda: bot.api.calls_of("answerInlineQuery"))
    started = time.monotonic()
    daves = bot.api.inline(DAVE, "数据二十条第十条")
    await bot.wait_for(lambda: bot.api.inline_answers.get(daves), seconds=10)
    assert time.monotonic() - started < 2.0
    assert carols not in bot.api.inline_answers  # Carol's query waits out its 4 s


async def test_a_429_on_one_button_answer_does_not_delay_other_users_presses(
    bot: Harness,
) -> None:
    await answered_within(bot, CAROL_CHAT, CAROL, 10.0)
    await answered_within(bot, DAVE_CHAT, DAVE, 10.0)
    carols, daves = bot.api.sent(CAROL_CHAT["id"])[-1], bot.api.sent(DAVE_CHAT["id"])[-1]
    bot.api.fail_next(
        "answerCallbackQuery", 429, "Too Many Requests: retry after 4", retry_after=4
    )
    bot.api.press(carols, "no-such-button", CAROL)
    await bot.wait_for(lambda: bot.api.calls_of("answerCallbackQuery"))
    started = time.monotonic()
    daves_press = bot.api.press(daves, "no-such-button", DAVE)
    await bot.wait_for(
        lambda: any(
            c["callback_query_id"] == daves_press for c in bot.api.calls_of("answerCallbackQuery")
        ),
        seconds=10,
    )
    assert time.monotonic() - started < 2.0
