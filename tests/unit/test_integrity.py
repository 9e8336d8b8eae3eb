"""Cache files are trusted only when their checksums agree; a file found intact and not
written since is not hashed again."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from retrieval import integrity
from retrieval.integrity import intact, seal, sidecar, verified_bytes

SETTLE_NS = 50_000_000  # the tests' settling time, instead of the 2 s a cache waits


@pytest.fixture
def settled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A sealed file older than the settling time, found intact once (its stamp recorded)."""
    monkeypatch.setattr(integrity, "_SETTLE_NS", SETTLE_NS)
    path = tmp_path / "table.json"
    path.write_bytes(b'{"words": ["\xe6\x95\xb0\xe6\x8d\xae"]}')
    seal(path)
    time.sleep(SETTLE_NS / 1e9 * 3)
    assert intact(path)
    return path


def test_a_young_file_is_hashed_each_time(tmp_path: Path) -> None:
    path = tmp_path / "table.json"
    path.write_bytes(b"[1, 2, 3]")
    seal(path)
    assert intact(path)
    assert len(sidecar(path).read_text(encoding="ascii").splitlines()) == 1


def test_a_settled_file_found_intact_is_not_hashed_again(settled: Path) -> None:
    recorded, stamp = sidecar(settled).read_text(encoding="ascii").splitlines()
    # What the checksum says the bytes hash to: were they hashed, the file would be damaged.
    sidecar(settled).write_text(f"{'00' * 32}\n{stamp}\n", encoding="ascii")
    assert intact(settled)
    assert verified_bytes(settled) == settled.read_bytes()
    assert recorded == integrity.digest(settled)


@pytest.mark.parametrize("check", [intact, verified_bytes], ids=["intact", "verified_bytes"])
def test_a_file_damaged_with_its_size_and_time_kept_is_caught(
    settled: Path, check: object
) -> None:
    info = settled.stat()
    damaged = settled.read_bytes().replace(b"words", b"wards")
    settled.write_bytes(damaged)
    os.utime(settled, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert (settled.stat().st_size, settled.stat().st_mtime_ns) == (info.st_size, info.st_mtime_ns)
    assert check(settled) in (False, None)  # type: ignore[operator]


def test_a_resealed_file_forgets_its_stamp(settled: Path) -> None:
    settled.write_bytes(b"[]")
    seal(settled)
    assert len(sidecar(settled).read_text(encoding="ascii").splitlines()) == 1
    assert intact(settled)
