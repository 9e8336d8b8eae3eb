"""File names sent by admins become plain, visible names inside the corpus directory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.upkeep.curator import add_file, safe_name, writable
from config.settings import BUNDLED_CORPUS

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("数据二十条.PDF", "数据二十条.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\通知.docx", "通知.docx"),
        (".hidden.md", "hidden.md"),
        (None, "upload"),
        ("通知\u202efdp.exe", "通知fdp.exe"),
        ("\x1b[31m红色\x1b[0m.md", "红色.md"),
        ("\u200b\u200e政策.txt", "政策.txt"),
    ],
)
def test_safe_name(sent: str | None, kept: str) -> None:
    assert safe_name(sent) == kept


def test_the_bundled_seeds_are_never_written(corpus_dir: Path) -> None:
    assert not writable(BUNDLED_CORPUS)
    assert writable(corpus_dir)


def test_add_file_leaves_no_temporary_file(corpus_dir: Path, tmp_path: Path) -> None:
    add_file(corpus_dir, "a.txt", b"x", tmp_path / "trash", NOW)
    add_file(corpus_dir, "a.txt", b"y", tmp_path / "trash", NOW)
    assert [(p.name, p.read_bytes()) for p in corpus_dir.iterdir()] == [("a.txt", b"y")]


def test_a_replaced_file_is_kept_in_the_trash(corpus_dir: Path, tmp_path: Path) -> None:
    add_file(corpus_dir, "a.txt", b"old", tmp_path / "trash", NOW)
    add_file(corpus_dir, "a.txt", b"new", tmp_path / "trash", NOW)
    [kept] = (tmp_path / "trash").iterdir()
    assert kept.read_bytes() == b"old"
    assert kept.name.endswith("a.txt")
