"""One bad corpus file never takes the corpus down; a failed re-index is tried again."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest

from bot.state import Services
from bot.store.store import Store
from bot.upkeep import reload
from bot.upkeep.building import LibraryBuilder, log_skipped
from config.settings import BUNDLED_CORPUS, LEXICON_DIR, Settings
from retrieval.library import Library, LibraryPaths, Progress
from tests.harness import run

POLICY = "关于测试重载的通知\n\n一、总体要求\n\n（一）基本原则。坚持依法行政，推进重载测试。\n"
# One clause in which 数据 repeats past the index's 16-bit term-frequency limit.
REPEATS = "关于重复词语的通知\n\n一、总体要求\n\n（一）基本原则。" + "数据" * 70_000 + "。\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, directory)
    return directory


def test_a_token_repeated_past_the_index_limit_skips_that_file_only(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (corpus / "重复.txt").write_text(REPEATS, encoding="utf-8")
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    code, out = run("check")
    assert code == 0
    assert "[重复.txt] 已跳过《关于重复词语的通知》" in out
    seeds = Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))
    assert out.startswith(f"{len(seeds.documents)} 份文件，{len(seeds.clauses)} 条条款")
    assert any("重复.txt" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    code, out = run("ask", "数据二十条第十条")
    assert "培育数据要素流通和交易服务生态" in out


def test_only_files_left_out_are_logged_as_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "only"
    corpus.mkdir()
    text = POLICY + "\n（二）主要目标。到2025年，建成统一的重载测试体系。\n"
    (corpus / "a.txt").write_text(text, encoding="utf-8")
    (corpus / "b.txt").write_text(text, encoding="utf-8")
    (corpus / "c.txt").write_text(text.replace("统一的", "统一管理的"), encoding="utf-8")
    (corpus / "title.txt").write_text("关于只有标题的通知\n", encoding="utf-8")
    (corpus / "table.xlsx").write_bytes(b"PK\x03\x04")
    library = Library.load(LibraryPaths(corpus, LEXICON_DIR))
    assert {p.kind for p in library.problems} == {"skipped", "repaired"}
    with caplog.at_level(logging.WARNING, logger="policybot.corpus"):
        log_skipped(library)
    corpus_log = [r for r in caplog.records if r.name == "policybot.corpus"]
    assert sorted(str(r.args[0]) for r in corpus_log) == ["table.xlsx", "title.txt"]


class FailsOnce:
    """Library.load that fails on its first call, as a full disk or a lost mount would."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(
        self, paths: LibraryPaths, progress: Progress | None, previous: Library | None
    ) -> Library:
        self.calls += 1
        if self.calls == 1:
            raise OSError(28, "No space left on device")
        return Library.load(paths, progress=progress, previous=previous)


def services(corpus: Path, tmp_path: Path) -> Services:
    settings = Settings(_env_file=None, corpus_dir=corpus, data_dir=tmp_path / "data")
    paths = LibraryPaths(corpus, LEXICON_DIR, tmp_path / "data" / "cache")
    return Services(Library.load(paths), settings, Store(tmp_path / "bot.sqlite3"))


async def until(condition, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def test_a_failed_reindex_is_logged_and_retried_without_another_change(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    svc = services(corpus, tmp_path)
    before = len(svc.library.documents)
    load = FailsOnce()
    paths = LibraryPaths(corpus, LEXICON_DIR, tmp_path / "data" / "cache")
    reloader = reload.Reloader(svc, LibraryBuilder(paths, load=load), interval=0.05, retry=0.3)
    task = asyncio.create_task(reloader.watch())
    try:
        (corpus / "new.txt").write_text(POLICY, encoding="utf-8")
        with caplog.at_level(logging.INFO, logger="bot.upkeep.reload"):
            await until(lambda: load.calls == 1)
            await until(lambda: len(svc.library.documents) == before + 1)
        failed = [r for r in caplog.records if "re-indexing the corpus failed" in r.getMessage()]
        assert len(failed) == 1
        assert "retrying" in failed[0].getMessage()
        assert load.calls == 2
    finally:
        task.cancel()


async def test_a_reloader_that_has_seen_nothing_reindexes_at_once(
    corpus: Path, tmp_path: Path
) -> None:
    svc = services(corpus, tmp_path)
    before = len(svc.library.documents)
    (corpus / "new.txt").write_text(POLICY, encoding="utf-8")  # changed while the bot was down
    paths = LibraryPaths(corpus, LEXICON_DIR, tmp_path / "data" / "cache")
    svc.reloader = reload.Reloader(svc, LibraryBuilder(paths), interval=0.05, seen=())
    reload.start(svc)
    try:
        await until(lambda: len(svc.library.documents) == before + 1)
    finally:
        for task in svc.background:
            task.cancel()
