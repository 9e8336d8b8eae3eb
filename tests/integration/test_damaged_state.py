"""Damaged state through the real CLI process: caches are rebuilt, bad settings are one line."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from config.settings import BUNDLED_CORPUS

QUESTION = "公共数据授权运营情况要公开吗"


def policybot(
    *argv: str, data: Path, corpus: Path = BUNDLED_CORPUS, cwd: Path, obey_modes: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot.cli` configured only by environment.

    With obey_modes, root runs it without the capabilities that override file modes, so a
    chmod-ed directory refuses it as it refuses any operator account.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}
    env.update(POLICYBOT_DATA_DIR=str(data), POLICYBOT_CORPUS_DIR=str(corpus))
    prefix: list[str] = []
    if obey_modes and os.getuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: file modes cannot be enforced")
        prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot.cli", *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A data dir whose cache the CLI built, and the answer it gave."""
    root = tmp_path_factory.mktemp("pristine")
    done = policybot("ask", QUESTION, "--json", data=root / "data", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "data", done.stdout


def cache_of(data: Path) -> Path:
    return data / "cache"


def library_dir(data: Path) -> Path:
    [found] = [p for p in cache_of(data).iterdir() if p.is_dir() and len(p.name) == 64]
    return found


def flip_byte(path: Path, at: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0x01
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def swap_a_character(path: Path) -> None:
    """Change one character of a document's title: the file still parses, only the checksum
    can tell."""
    text = path.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    assert "数据" in rest
    path.write_text(header + "\n" + rest.replace("数据", "数椐", 1), encoding="utf-8")


def swap_a_text_character(path: Path) -> None:
    """Change one character of the clause texts' UTF-8 (same length): still a valid array."""
    data = path.read_bytes()
    assert "公开".encode() in data
    path.write_bytes(data.replace("公开".encode(), "公示".encode(), 1))


def wrong_header(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text("[]\n" + text.split("\n", 1)[1], encoding="utf-8")


def garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = os.urandom(64)
    path.write_bytes(bytes(data))


def one(pattern: str) -> Callable[[Path], Path]:
    return lambda data: next(cache_of(data).glob(pattern))


DAMAGE: dict[str, tuple[Callable[[Path], Path], Callable[[Path], None]]] = {
    "npy-truncated": (lambda d: library_dir(d) / "docs.npy", truncate),
    "npy-bit-flipped": (lambda d: library_dir(d) / "weights.npy", flip_byte),
    "jsonl-character-swapped": (lambda d: library_dir(d) / "library.jsonl", swap_a_character),
    "clause-texts-character-swapped": (
        lambda d: library_dir(d) / "clause_texts.npy",
        swap_a_text_character,
    ),
    "clause-rows-bit-flipped": (lambda d: library_dir(d) / "clause_rows.npy", flip_byte),
    "jsonl-header-wrong-shape": (lambda d: library_dir(d) / "library.jsonl", wrong_header),
    "jieba-dict-garbled": (one("*.dict.txt"), garble),
    "jieba-dict-truncated": (one("*.dict.txt"), truncate),
    "jieba-prefix-cache-bit-flipped": (one("*.jieba.cache"), flip_byte),
    "expander-bit-flipped": (one("expander-*.json"), flip_byte),
}


@pytest.fixture
def data(pristine: tuple[Path, str], tmp_path: Path) -> Path:
    shutil.copytree(pristine[0], tmp_path / "data")
    return tmp_path / "data"


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_cache_file_is_rebuilt_with_one_warning(
    pristine: tuple[Path, str], data: Path, tmp_path: Path, damage: str
) -> None:
    locate, harm = DAMAGE[damage]
    target = locate(data)
    harm(target)
    done = policybot("ask", QUESTION, "--json", data=data, cwd=tmp_path)
    assert done.returncode == 0
    assert "Traceback" not in done.stderr
    assert done.stdout == pristine[1]
    warnings = [line for line in done.stderr.splitlines() if "cache damaged" in line]
    assert len(warnings) == 1, done.stderr
    again = policybot("ask", QUESTION, "--json", data=data, cwd=tmp_path)
    assert "cache damaged" not in again.stderr  # rebuilt and sealed: trusted next time
    assert again.stdout == pristine[1]


def test_a_file_where_the_cache_directory_belongs_is_moved_aside(
    pristine: tuple[Path, str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "cache").write_text("not a directory", encoding="utf-8")
    done = policybot("ask", QUESTION, "--json", data=data, cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == pristine[1]
    assert len([ln for ln in done.stderr.splitlines() if "cache damaged" in ln]) == 1
    assert (data / "cache").is_dir()
    [aside] = data.glob("cache.damaged-*")
    assert aside.read_text(encoding="utf-8") == "not a directory"


def test_a_corrupt_database_is_kept_aside_and_a_new_one_started(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    garbage = b"SQLite format 3\x00" + os.urandom(4096)
    (data / "policybot.sqlite3").write_bytes(garbage)
    done = policybot("digest", "--chat", "42", "--date", "2026-12-01", data=data, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "政策日报 · 2026-12-01" in done.stdout
    assert "Traceback" not in done.stderr
    [line] = [ln for ln in done.stderr.splitlines() if "database damaged" in ln]
    [aside] = data.glob("policybot.sqlite3.corrupt-*")
    assert aside.name in line
    assert aside.read_bytes() == garbage
    with sqlite3.connect(data / "policybot.sqlite3") as db:
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 MB tmpfs of our own, so the disk can be filled without filling the machine's."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.getuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root: a full disk cannot be made here")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace')}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_with_one_line_and_leaves_the_database_alone(
    small_disk: Path, tmp_path: Path
) -> None:
    data = small_disk / "data"
    first = policybot("digest", "--chat", "42", "--date", "2026-12-01", data=data, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    database = data / "policybot.sqlite3"
    before = database.read_bytes()
    # Written until the disk refuses.
    with (small_disk / "filler").open("wb") as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * (1 << 20))
            filler.flush()
    done = policybot("digest", "--chat", "42", "--date", "2026-12-01", data=data, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "数据库无法使用" in done.stderr
    assert database.read_bytes() == before
    assert not list(data.glob("*.corrupt-*"))


def test_a_database_path_naming_a_directory_is_never_renamed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "policybot.sqlite3").mkdir(parents=True)
    done = policybot("digest", "--chat", "42", "--date", "2026-12-01", data=data, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert (data / "policybot.sqlite3").is_dir()
    assert not list(data.glob("*.corrupt-*"))


def assert_one_line_naming(done: subprocess.CompletedProcess[str], setting: str) -> None:
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert setting in done.stderr
    assert "Traceback" not in done.stderr


def test_a_data_dir_that_cannot_be_created_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    done = policybot("docs", data=tmp_path / "file" / "data", cwd=tmp_path)
    assert_one_line_naming(done, "POLICYBOT_DATA_DIR")


def test_an_unwritable_data_dir_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o555)
    try:
        done = policybot("docs", data=data, cwd=tmp_path, obey_modes=True)
    finally:
        data.chmod(0o755)
    assert_one_line_naming(done, "POLICYBOT_DATA_DIR")


def test_an_unlistable_corpus_dir_is_one_line_and_exit_2(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    corpus.chmod(0o311)  # enterable, not listable
    try:
        done = policybot(
            "docs", data=tmp_path / "data", corpus=corpus, cwd=tmp_path, obey_modes=True
        )
    finally:
        corpus.chmod(0o755)
    assert_one_line_naming(done, "POLICYBOT_CORPUS_DIR")
