"""File names sent by admins become plain, visible names inside the corpus directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.curator import add_file, safe_name, writable
from config.settings import BUNDLED_CORPUS


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("数据二十条.PDF", "数据二十条.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\通知.docx", "通知.docx"),
        (".hidden.md", "hidden.md"),
        (None, "upload"),
    ],
)
def test_safe_name(sent: str | None, kept: str) -> None:
    assert safe_name(sent) == kept


def test_the_bundled_seeds_are_never_written(corpus_dir: Path) -> None:
    assert not writable(BUNDLED_CORPUS)
    assert writable(corpus_dir)


def test_add_file_leaves_no_temporary_file(corpus_dir: Path) -> None:
    add_file(corpus_dir, "a.txt", b"x")
    add_file(corpus_dir, "a.txt", b"y")
    assert [(p.name, p.read_bytes()) for p in corpus_dir.iterdir()] == [("a.txt", b"y")]
