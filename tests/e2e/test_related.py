"""相关条款 in the bot: clauses of other documents on the same matter, behind a button."""

from __future__ import annotations

from typing import Any

import pytest

# The `bot` fixture's Harness is not imported: no test module imports a conftest (main's
# test_boundaries), and its home moves with the test harness.
Harness = Any

pytestmark = pytest.mark.e2e

ALICE = {"id": 701, "is_bot": False, "first_name": "Alice"}
PRIVATE = {"id": 701, "type": "private", "first_name": "Alice"}


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {
        b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
    }


async def test_related_clauses_of_other_documents_are_quoted_behind_a_button(
    bot: Harness,
) -> None:
    await bot.wait_for(lambda: bot.services.library.relations.ready)
    bot.api.send(PRIVATE, ALICE, "公共数据意见（一）")
    [answer] = await bot.replies(PRIVATE["id"])
    bot.api.press(answer, buttons(answer)["相关条款"], ALICE)
    [related] = await bot.replies(PRIVATE["id"], after=1)
    assert related["text"].startswith(
        "其他文件中与《中共中央办公厅 国务院办公厅关于加快公共数据资源开发利用的意见》（一）"
        "相关的条款："
    )
    assert "《国务院关于加强数字政府建设的指导意见》五、（二）" in related["text"]
    assert "建立全国标准统一、动态管理的政务数据目录" in related["text"]
    assert not bot.errors


async def test_a_clause_without_related_clauses_has_no_button(bot: Harness) -> None:
    await bot.wait_for(lambda: bot.services.library.relations.ready)
    bot.api.send(PRIVATE, ALICE, "数据二十条（四）")
    [answer] = await bot.replies(PRIVATE["id"])
    assert "相关条款" not in buttons(answer)
    assert "上一条" in buttons(answer)  # the keyboard is there, only without 相关条款
