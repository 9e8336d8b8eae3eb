"""/diff in the bot: two editions compared, changed words marked, long diffs paged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import Harness, running_bot
from tests.two_editions import OLD, write_editions

pytestmark = pytest.mark.e2e

ALICE = {"id": 601, "is_bot": False, "first_name": "Alice"}
PRIVATE = {"id": 601, "type": "private", "first_name": "Alice"}


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {
        b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
    }


@pytest.fixture
async def editions_bot(
    server: FakeServer, corpus_dir: Path, tmp_path: Path
) -> AsyncIterator[Harness]:
    write_editions(corpus_dir)
    library = Library.load(LibraryPaths(corpus_dir, LEXICON_DIR))
    async with running_bot(server, library, tmp_path) as harness:
        yield harness


async def test_diff_counts_then_marks_changed_words(editions_bot: Harness) -> None:
    editions_bot.api.send(PRIVATE, ALICE, "/diff 测试条例")
    [reply] = await editions_bot.replies(PRIVATE["id"])
    lines = reply["text"].splitlines()
    assert lines[0] == "《测试条例》2020-01-01 版 → 2024-01-01 版"
    assert lines[1] == "新增 2 条，删除 1 条，修改 1 条，调整条序 1 条，未变 1 条"
    assert "如实<b>、完整</b>记录测试结果" in reply["html"]
    assert "<s>测试报告应当保存五年" in reply["html"]
    assert not editions_bot.errors


async def test_one_edition_gets_a_clear_message(editions_bot: Harness) -> None:
    editions_bot.api.send(PRIVATE, ALICE, "/diff 测试法")
    [reply] = await editions_bot.replies(PRIVATE["id"])
    assert reply["text"] == "《测试法》在文件库里只有一个版本（2019-01-01），没有可比较的旧版本。"


async def test_diff_is_in_help(editions_bot: Harness) -> None:
    editions_bot.api.send(PRIVATE, ALICE, "/help")
    [reply] = await editions_bot.replies(PRIVATE["id"])
    assert "/diff <文件>" in reply["text"]


@pytest.fixture
async def long_bot(server: FakeServer, corpus_dir: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    # 80 articles, each reworded: more than one message of changes.
    body = "规定测试机构应当按照统一标准开展检验检测工作并如实出具报告"
    old = "\n\n".join(f"第{n}条 {body}，编号{n}。" for n in range(1, 81))
    new = "\n\n".join(f"第{n}条 {body}，并对结论负责，编号{n}。" for n in range(1, 81))
    head = OLD.split("第一条")[0]
    (corpus_dir / "测试条例(2020-01-01).md").write_text(head + old, encoding="utf-8")
    (corpus_dir / "测试条例(2024-01-01).md").write_text(head + new, encoding="utf-8")
    library = Library.load(LibraryPaths(corpus_dir, LEXICON_DIR))
    async with running_bot(server, library, tmp_path) as harness:
        yield harness


async def test_a_long_diff_is_paged_with_buttons(long_bot: Harness) -> None:
    long_bot.api.send(PRIVATE, ALICE, "/diff 测试条例")
    [first] = await long_bot.replies(PRIVATE["id"])
    assert len(first["text"]) <= 4096
    assert "（1/" in first["text"]
    long_bot.api.press(first, buttons(first)["下一页"], ALICE)
    await long_bot.wait_for(lambda: "（2/" in long_bot.api.sent(PRIVATE["id"])[0]["text"])
    turned = long_bot.api.sent(PRIVATE["id"])[0]
    assert "上一页" in buttons(turned)
    assert turned["text"].splitlines()[1].startswith("新增 0 条，删除 0 条，修改 80 条")
    assert not long_bot.errors


async def test_a_clause_that_cites_others_quotes_them_behind_a_button(
    editions_bot: Harness,
) -> None:
    editions_bot.api.send(PRIVATE, ALICE, "测试条例第五条")
    [answer] = await editions_bot.replies(PRIVATE["id"])
    editions_bot.api.press(answer, buttons(answer)["引用条款"], ALICE)
    [cites] = await editions_bot.replies(PRIVATE["id"], after=1)
    assert cites["text"].startswith("《测试条例》第五条引用的条款：")
    assert "《测试法》第二条\n违反测试管理规定的，由主管部门责令改正，给予警告。" in cites["text"]
    assert "《中华人民共和国行政处罚法》第三十二条（库中没有这份文件）" in cites["text"]
    assert not editions_bot.errors


async def test_a_clause_citing_nothing_has_no_citations_button(editions_bot: Harness) -> None:
    editions_bot.api.send(PRIVATE, ALICE, "测试法第一条")
    [answer] = await editions_bot.replies(PRIVATE["id"])
    assert "引用条款" not in buttons(answer)


async def test_a_cited_clause_lists_who_cites_it_behind_a_button(editions_bot: Harness) -> None:
    await editions_bot.wait_for(lambda: editions_bot.services.library.citations.ready)
    editions_bot.api.send(PRIVATE, ALICE, "测试法第二条")
    [answer] = await editions_bot.replies(PRIVATE["id"])
    editions_bot.api.press(answer, buttons(answer)["被引用"], ALICE)
    [citing] = await editions_bot.replies(PRIVATE["id"], after=1)
    assert citing["text"].startswith("引用《测试法》第二条的条款：")
    assert "《测试条例》第五条\n违反本条例第二条规定的，依照《测试法》第二条处理" in citing["text"]
    assert not editions_bot.errors
