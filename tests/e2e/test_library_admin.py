"""Admins keep the library from Telegram; the corpus directory is watched for changes."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.telegram.schedule import job_name
from config.settings import BUNDLED_CORPUS
from retrieval.library import Library
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import Harness, running_bot
from tests.make_documents import paragraph_bomb, write_docx, write_pdf

pytestmark = pytest.mark.e2e

ADMIN = {"id": 801, "is_bot": False, "first_name": "Admin"}
MEMBER = {"id": 802, "is_bot": False, "first_name": "Member"}
ADMIN_CHAT = {"id": 801, "type": "private", "first_name": "Admin"}
MEMBER_CHAT = {"id": 802, "type": "private", "first_name": "Member"}
NOTICE = [
    "关于开展河湖巡查数字化试点的通知",
    "一、总体要求",
    "（一）试点目标。利用卫星遥感和无人机开展河湖巡查，建立问题发现处置闭环。",
    "（二）工作要求。各试点单位每季度报送巡查台账。",
]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {
        b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
    }


@pytest.fixture
async def admin_bot(
    server: FakeServer, library: Library, tmp_path: Path
) -> AsyncIterator[tuple[Harness, Path]]:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    async with running_bot(
        server,
        library,
        tmp_path,
        corpus_dir=corpus,
        data_dir=tmp_path / "data",
        admin_ids=(ADMIN["id"],),
        max_upload_mb=0.05,
    ) as harness:
        yield harness, corpus


async def test_admin_adds_a_pdf_and_it_answers_within_seconds(
    admin_bot: tuple[Harness, Path], tmp_path: Path
) -> None:
    bot, corpus = admin_bot
    pdf = write_pdf(NOTICE, tmp_path / "巡查通知.pdf").read_bytes()
    bot.api.send_document(ADMIN_CHAT, ADMIN, "巡查通知.pdf", pdf)
    [preview] = await bot.replies(ADMIN_CHAT["id"])
    assert "《关于开展河湖巡查数字化试点的通知》 政策文件，2 条" in preview["text"]
    assert bot.api.calls_of("getFile")
    assert bot.api.calls_of("download")
    assert not (corpus / "巡查通知.pdf").exists()  # parsed first, nothing written yet
    bot.api.press(preview, buttons(preview)["收录"], ADMIN)
    [added] = await bot.replies(ADMIN_CHAT["id"], after=1)
    assert "已收录「巡查通知.pdf」" in added["text"]
    assert "新增：《关于开展河湖巡查数字化试点的通知》" in added["text"]
    assert (corpus / "巡查通知.pdf").read_bytes() == pdf
    bot.api.send(MEMBER_CHAT, MEMBER, "河湖巡查用无人机吗")
    [answer] = await bot.replies(MEMBER_CHAT["id"])
    assert "利用卫星遥感和无人机开展河湖巡查" in answer["text"]
    assert not bot.errors


async def test_cancel_writes_nothing(admin_bot: tuple[Harness, Path], tmp_path: Path) -> None:
    bot, corpus = admin_bot
    docx = write_docx(NOTICE, tmp_path / "notice.docx").read_bytes()
    bot.api.send_document(ADMIN_CHAT, ADMIN, "notice.docx", docx)
    [preview] = await bot.replies(ADMIN_CHAT["id"])
    bot.api.press(preview, buttons(preview)["取消"], ADMIN)
    [cancelled] = await bot.replies(ADMIN_CHAT["id"], after=1)
    assert "没有写入任何文件" in cancelled["text"]
    assert not (corpus / "notice.docx").exists()
    assert "reply_markup" not in bot.api.sent(ADMIN_CHAT["id"])[0]


async def test_a_crafted_docx_costs_one_reply_and_the_bot_answers_on(
    admin_bot: tuple[Harness, Path],
) -> None:
    bot, corpus = admin_bot
    bot.api.send_document(ADMIN_CHAT, ADMIN, "bomb.docx", paragraph_bomb(1_000_000))
    bot.api.send(MEMBER_CHAT, MEMBER, "数据二十条第九条")
    [answer] = await bot.replies(MEMBER_CHAT["id"])  # not stuck behind the upload
    assert "第九条" in answer["text"] or "（九）" in answer["text"]
    [preview] = await bot.replies(ADMIN_CHAT["id"])  # 1M paragraphs: refused in ~2 s
    assert "段落过多" in preview["text"]
    assert not buttons(preview)
    assert not (corpus / "bomb.docx").exists()
    assert not bot.errors


@pytest.mark.parametrize(
    ("user", "chat", "name", "size", "said"),
    [
        (MEMBER, MEMBER_CHAT, "notice.pdf", 100, "只有管理员"),
        (ADMIN, ADMIN_CHAT, "table.xlsx", 100, "不支持这种文件"),
        (ADMIN, ADMIN_CHAT, "big.pdf", 60_000, "文件太大"),
    ],
)
async def test_refused_files_are_never_downloaded_or_written(
    admin_bot: tuple[Harness, Path],
    user: dict[str, Any],
    chat: dict[str, Any],
    name: str,
    size: int,
    said: str,
) -> None:
    bot, corpus = admin_bot
    bot.api.send_document(chat, user, name, b"%PDF" + b"0" * size)
    [reply] = await bot.replies(chat["id"])
    assert said in reply["text"]
    assert not bot.api.calls_of("getFile")
    assert not (corpus / name).exists()


async def test_reload_and_remove_with_confirmation(admin_bot: tuple[Harness, Path]) -> None:
    bot, corpus = admin_bot
    bot.api.send(MEMBER_CHAT, MEMBER, "/reload")
    [refused] = await bot.replies(MEMBER_CHAT["id"])
    assert "只有管理员" in refused["text"]
    (corpus / "notice.txt").write_text("\n\n".join(NOTICE), encoding="utf-8")
    bot.api.send(ADMIN_CHAT, ADMIN, "/reload")
    [reloaded] = await bot.replies(ADMIN_CHAT["id"])
    assert "文件库已重新载入：7 份文件" in reloaded["text"]
    bot.api.send(ADMIN_CHAT, ADMIN, "/remove 河湖巡查数字化试点")
    [confirm] = await bot.replies(ADMIN_CHAT["id"], after=1)
    assert "notice.txt" in confirm["text"]
    assert (corpus / "notice.txt").exists()
    bot.api.press(confirm, buttons(confirm)["确认删除"], MEMBER)  # not the admin who asked
    bot.api.press(confirm, buttons(confirm)["确认删除"], ADMIN)
    [removed] = await bot.replies(ADMIN_CHAT["id"], after=2)
    assert "移除：《关于开展河湖巡查数字化试点的通知》" in removed["text"]
    assert not (corpus / "notice.txt").exists()
    assert list((corpus.parent / "data" / "removed").iterdir())
    assert not bot.errors


async def test_remove_finds_a_document_in_a_sub_folder(admin_bot: tuple[Harness, Path]) -> None:
    bot, corpus = admin_bot
    (corpus / "通知").mkdir()
    (corpus / "通知" / "notice.txt").write_text("\n\n".join(NOTICE), encoding="utf-8")
    bot.api.send(ADMIN_CHAT, ADMIN, "/reload")
    [reloaded] = await bot.replies(ADMIN_CHAT["id"])
    assert "文件库已重新载入：7 份文件" in reloaded["text"]
    bot.api.send(ADMIN_CHAT, ADMIN, "/remove 河湖巡查数字化试点")
    [confirm] = await bot.replies(ADMIN_CHAT["id"], after=1)
    assert "通知/notice.txt" in confirm["text"]
    bot.api.press(confirm, buttons(confirm)["确认删除"], ADMIN)
    [removed] = await bot.replies(ADMIN_CHAT["id"], after=2)
    assert "移除：《关于开展河湖巡查数字化试点的通知》" in removed["text"]
    assert not (corpus / "通知" / "notice.txt").exists()
    [trashed] = (corpus.parent / "data" / "removed").iterdir()
    assert trashed.name.endswith("通知__notice.txt")
    assert not bot.errors


async def test_remove_by_file_name_finds_it_in_a_sub_folder(
    admin_bot: tuple[Harness, Path],
) -> None:
    bot, corpus = admin_bot
    (corpus / "通知").mkdir()
    (corpus / "通知" / "notice.txt").write_text("\n\n".join(NOTICE), encoding="utf-8")
    bot.api.send(ADMIN_CHAT, ADMIN, "/remove notice.txt")
    [confirm] = await bot.replies(ADMIN_CHAT["id"])
    assert "通知/notice.txt" in confirm["text"]
    assert buttons(confirm)
    assert not bot.errors


async def test_corpus_changes_are_picked_up_and_shown_in_the_digest(
    admin_bot: tuple[Harness, Path],
) -> None:
    bot, corpus = admin_bot
    bot.api.send(MEMBER_CHAT, MEMBER, "/subscribe 08:30")
    await bot.replies(MEMBER_CHAT["id"])
    [job] = bot.app.job_queue.get_jobs_by_name(job_name(MEMBER_CHAT["id"]))
    bot.clock.current = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)
    await job.run(bot.app)
    bot.clock.current += timedelta(hours=1)
    (corpus / "notice.txt").write_text("\n\n".join(NOTICE), encoding="utf-8")
    await bot.wait_for(lambda: len(bot.services.library.documents) == 7)
    bot.clock.current += timedelta(days=1)
    await job.run(bot.app)
    digest = bot.api.sent(MEMBER_CHAT["id"])[-1]["text"]
    assert "文件更新" in digest
    assert "新增《关于开展河湖巡查数字化试点的通知》" in digest
    bot.clock.current += timedelta(hours=1)
    (corpus / "notice.txt").unlink()
    await bot.wait_for(lambda: len(bot.services.library.documents) == 6)
    bot.clock.current += timedelta(days=1)
    await job.run(bot.app)
    assert (
        "移除《关于开展河湖巡查数字化试点的通知》" in bot.api.sent(MEMBER_CHAT["id"])[-1]["text"]
    )
