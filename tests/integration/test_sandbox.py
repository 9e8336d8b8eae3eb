"""Uploads are parsed in a child process that memory and time limits end, not the bot."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from bot.upkeep.sandbox import ParseFailed, parse_upload
from tests.make_documents import paragraph_bomb, write_docx

NOTICE = ["关于开展河湖巡查数字化试点的通知", "一、总体要求", "（一）试点目标。利用无人机巡查。"]


async def test_a_real_upload_is_parsed_in_the_child(tmp_path: Path) -> None:
    data = write_docx(NOTICE, tmp_path / "n.docx").read_bytes()
    parsed = await parse_upload("n.docx", data)
    assert parsed.documents == (("关于开展河湖巡查数字化试点的通知", "policy", 1),)


async def test_a_docx_of_a_million_paragraphs_is_refused_quickly_and_cheaply() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    parsed = await parse_upload("bomb.docx", paragraph_bomb(1_000_000))
    assert any("段落过多" in p for p in parsed.problems)
    assert parsed.documents == ()
    assert time.monotonic() - started < 30
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100_000  # the bot's own memory is untouched


async def test_a_child_past_its_time_is_killed(tmp_path: Path) -> None:
    data = write_docx(NOTICE, tmp_path / "n.docx").read_bytes()
    with pytest.raises(ParseFailed, match="超过"):
        await parse_upload("n.docx", data, seconds=0.05)


async def test_a_child_past_its_memory_fails_cleanly(tmp_path: Path) -> None:
    data = write_docx(NOTICE, tmp_path / "n.docx").read_bytes()
    with pytest.raises(ParseFailed):
        await parse_upload("n.docx", data, memory=16 << 20)  # not even the imports fit
