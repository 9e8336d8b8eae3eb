"""The overall send rate: kept to, and handed first to the chat that has sent least lately."""

from __future__ import annotations

import asyncio

from bot.telegram.limits import FairShare

GROUP, OTHER_GROUP, PRIVATE = -1001, -1002, 77


async def order_of_turns(share: FairShare, chats: list[int]) -> list[int]:
    """Every chat asks for its turn in this order; the order the turns were given in."""
    given, _ = await turns_and_asks(share, chats)
    return given


async def turns_and_asks(share: FairShare, chats: list[int]) -> tuple[list[int], list[int]]:
    """The order the turns were given in, and how many had been given when each chat asked
    (on a loaded machine the bucket refills while the queue forms, so that count varies)."""
    given: list[int] = []
    asked: list[int] = []

    async def one(chat: int) -> None:
        await share.turn(chat)
        given.append(chat)

    tasks = []
    for chat in chats:
        asked.append(len(given))
        tasks.append(asyncio.create_task(one(chat)))
        await asyncio.sleep(0)  # each in the queue before the next asks
    await asyncio.gather(*tasks)
    return given, asked


async def test_a_private_chat_goes_before_a_groups_queued_replies() -> None:
    share = FairShare(rate=50)
    given, asked = await turns_and_asks(share, [GROUP] * 60 + [PRIVATE])
    assert asked[-1] < 60  # the group's replies were still queued when the private chat asked
    assert given.index(PRIVATE) == asked[-1]  # and the next turn was the private chat's


async def test_a_quiet_group_goes_before_a_flooding_one() -> None:
    share = FairShare(rate=50)
    given, asked = await turns_and_asks(share, [GROUP] * 60 + [OTHER_GROUP])
    assert asked[-1] < 60
    assert given.index(OTHER_GROUP) == asked[-1]


async def test_on_a_tie_a_private_chat_goes_before_a_group() -> None:
    share = FairShare(rate=4)
    given = await order_of_turns(share, [GROUP] * 5 + [OTHER_GROUP, PRIVATE])
    assert given == [GROUP] * 4 + [PRIVATE, OTHER_GROUP, GROUP]


async def test_every_turn_is_given_and_no_more_than_the_rate_allows() -> None:
    share = FairShare(rate=100)
    loop = asyncio.get_running_loop()
    started = loop.time()
    given = await order_of_turns(share, [GROUP, OTHER_GROUP, PRIVATE] * 50)
    assert sorted(given) == sorted([GROUP, OTHER_GROUP, PRIVATE] * 50)
    assert loop.time() - started >= (150 - 100) / 100  # a burst of 100, then 100 a second


async def test_a_cancelled_wait_gives_its_turn_to_the_next() -> None:
    share = FairShare(rate=4)
    for _ in range(4):
        await share.turn(GROUP)  # the burst is spent: the next turn in a quarter second
    waiting = asyncio.create_task(share.turn(OTHER_GROUP))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.sleep(0)
    await asyncio.wait_for(share.turn(PRIVATE), timeout=0.4)
