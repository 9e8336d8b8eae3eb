"""The digest's 文件更新 section names a new edition with what it changed (plain-text form)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.digest import fingerprints, gather
from bot.render import digest_text
from bot.store.store import Store, Subscription
from config.settings import LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from tests.two_editions import NEW, OLD

NOW = datetime(2030, 3, 4, 1, 0, tzinfo=UTC)
DAY = date(2030, 3, 4)


def test_a_new_edition_replaces_its_added_and_changed_lines(
    corpus_dir: Path, tmp_path: Path
) -> None:
    (corpus_dir / "测试条例(2020-01-01).md").write_text(OLD, encoding="utf-8")
    store = Store(tmp_path / "s.sqlite3")
    store.sync_documents(fingerprints(Library.load(LibraryPaths(corpus_dir, LEXICON_DIR))), NOW)
    assert store.claim_digest(1, DAY, NOW)
    store.finish_digest(1, DAY, NOW, "sent")
    (corpus_dir / "测试条例(2024-01-01).md").write_text(NEW, encoding="utf-8")
    library = Library.load(LibraryPaths(corpus_dir, LEXICON_DIR))
    store.sync_documents(fingerprints(library), NOW + timedelta(hours=1))
    sub = Subscription(1, time(8, 30), (), True)
    content = gather(library, store, sub, DAY + timedelta(days=1), NOW + timedelta(days=1))
    section = digest_text(content).split("文件更新\n")[1].splitlines()
    assert section[0].startswith("• 更新《测试条例》（新版 2024-01-01）：修改 1 条")
    assert section[1].startswith("  · 第二条（修改）：测试人员应当如实、完整记录")
    assert not any("新增《测试条例》" in line for line in section)
