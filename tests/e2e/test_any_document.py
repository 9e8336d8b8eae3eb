"""Laws dropped into the corpus folder, asked about in the bot by the names people use."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import Harness, running_bot

pytestmark = pytest.mark.e2e

ALICE = {"id": 501, "is_bot": False, "first_name": "Alice"}
PRIVATE = {"id": 501, "type": "private", "first_name": "Alice"}

LAW = """# 中华人民共和国消费者权益保护法

2013年10月25日 修正

<!-- INFO END -->

第一条 为保护消费者的合法权益，维护社会经济秩序，制定本法。

第一条之一 经营者应当明码标价，本条为后来增加的条文。

第二条 消费者为生活消费需要购买、使用商品或者接受服务，其权益受本法保护。
"""

# Two laws both shortened to 科技法 (a real collision among the laws of ../shared/laws).
SCIENCE = """# 中华人民共和国{name}

<!-- INFO END -->

第一条 为了{topic}，制定本法。

第二条 国务院有关部门负责{topic}的监督管理工作。
"""


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {
        b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
    }


@pytest.fixture
async def law_bot(
    server: FakeServer, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> AsyncIterator[Harness]:
    corpus = tmp_path_factory.mktemp("corpus")
    for path in BUNDLED_CORPUS.iterdir():
        shutil.copy(path, corpus / path.name)
    (corpus / "经济法").mkdir()
    (corpus / "经济法" / "消费者权益保护法(2013-10-25).md").write_text(LAW, encoding="utf-8")
    for name, topic in (("科学技术进步法", "促进科技进步"), ("科学技术普及法", "开展科学普及")):
        text = SCIENCE.format(name=name, topic=topic)
        (corpus / "经济法" / f"{name}.md").write_text(text, encoding="utf-8")
    library = Library.load(LibraryPaths(corpus, LEXICON_DIR))
    async with running_bot(server, library, tmp_path) as harness:
        yield harness


async def test_an_abbreviation_and_an_inserted_article_are_quoted(law_bot: Harness) -> None:
    law_bot.api.send(PRIVATE, ALICE, "消保法第1条之一")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "《中华人民共和国消费者权益保护法》第一条之一" in reply["text"]
    assert "明码标价" in reply["text"]


async def test_an_english_reference_is_quoted(law_bot: Harness) -> None:
    law_bot.api.send(PRIVATE, ALICE, "Consumer Rights Protection Law Article 2")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "第二条" in reply["text"]
    assert "生活消费需要" in reply["text"]


async def test_a_law_not_loaded_is_said_to_be_missing_with_the_closest(law_bot: Harness) -> None:
    law_bot.api.send(PRIVATE, ALICE, "消费者权益保护法实施条例第十条")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "库中没有《消费者权益保护法实施条例》" in reply["text"]
    assert "第十条" not in reply["text"]
    markup = reply.get("reply_markup") or {}
    assert markup.get("inline_keyboard"), "the closest titles come as buttons"
    assert not law_bot.errors


async def test_a_law_no_loaded_title_resembles_points_to_the_document_list(
    law_bot: Harness,
) -> None:
    law_bot.api.send(PRIVATE, ALICE, "劳动合同法第十条")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "库中没有《劳动合同法》" in reply["text"]
    assert "/docs" in reply["text"]
    assert not (reply.get("reply_markup") or {}).get("inline_keyboard")
    assert not law_bot.errors


async def test_help_tells_how_documents_are_named(law_bot: Harness) -> None:
    law_bot.api.send(PRIVATE, ALICE, "/help")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "库中没有《…》" in reply["text"]
    assert "列出这几份文件请你选一份" in reply["text"]


async def test_a_shared_short_name_asks_which_one_with_a_button_each(law_bot: Harness) -> None:
    law_bot.api.send(PRIVATE, ALICE, "科技法第二条")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "「科技法」可以指下面几份文件" in reply["text"]
    assert "第二条" not in reply["text"]
    keys = buttons(reply)
    assert set(keys) == {"《中华人民共和国科学技术进步法》", "《中华人民共和国科学技术普及法》"}
    law_bot.api.press(reply, keys["《中华人民共和国科学技术普及法》"], ALICE)
    [answer] = await law_bot.replies(PRIVATE["id"], after=1)
    assert "《中华人民共和国科学技术普及法》第二条" in answer["text"]
    assert "开展科学普及" in answer["text"]
    assert not law_bot.errors


async def test_a_question_with_a_shared_name_is_answered_from_the_chosen_one(
    law_bot: Harness,
) -> None:
    law_bot.api.send(PRIVATE, ALICE, "科技法规定谁负责监督管理工作")
    [reply] = await law_bot.replies(PRIVATE["id"])
    keys = buttons(reply)
    assert len(keys) == 2
    law_bot.api.press(reply, keys["《中华人民共和国科学技术进步法》"], ALICE)
    [answer] = await law_bot.replies(PRIVATE["id"], after=1)
    assert "促进科技进步的监督管理工作" in answer["text"]
    assert "科学普及" not in answer["text"]
    assert not law_bot.errors


async def test_a_table_of_contents_of_a_shared_name_lists_the_documents_ids(
    law_bot: Harness,
) -> None:
    law_bot.api.send(PRIVATE, ALICE, "/toc 科技法")
    [reply] = await law_bot.replies(PRIVATE["id"])
    assert "「科技法」对应多份文件" in reply["text"]
    ids = reply["text"].split("：", 1)[1].split("、")
    assert sorted(ids) == ["科学技术普及法", "科学技术进步法"]
    law_bot.api.send(PRIVATE, ALICE, f"/toc {ids[0]}")
    [toc] = await law_bot.replies(PRIVATE["id"], after=1)
    assert f"《中华人民共和国{ids[0]}》目录" in toc["text"]
