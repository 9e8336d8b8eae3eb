"""The on-disk library cache: reused when nothing changed, rebuilt when anything did."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.integrity import seal
from retrieval.library import Library, LibraryPaths
from retrieval.listing import corpus_files
from retrieval.storage import cache

POLICY = "关于测试缓存的通知\n\n一、总体要求\n\n（一）基本原则。坚持依法行政，推进缓存测试。\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, directory)
    return directory


def load(corpus: Path, tmp_path: Path) -> Library:
    return Library.load(LibraryPaths(corpus, LEXICON_DIR, tmp_path / "cache"))


def cache_dirs(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "cache").iterdir() if p.is_dir() and len(p.name) == 64]


def answers(library: Library) -> list[tuple[str, ...]]:
    queries = ["数据安全", "数据二十条第十条", "网络安全态势感知", "今年端午节放几天假"]
    return [
        tuple(h.clause.text for h in library.answer(q).hits) + (library.answer(q).status,)
        for q in queries
    ]


def test_second_load_comes_from_the_cache_and_answers_the_same(
    corpus: Path, tmp_path: Path
) -> None:
    fresh = load(corpus, tmp_path)
    [written] = cache_dirs(tmp_path)
    files = ["library.jsonl", "clause_tables.json", "clause_rows.npy", "clause_offsets.npy"]
    files += ["clause_texts.npy", "idf.npy", "indptr.npy", "docs.npy", "weights.npy"]
    files += ["sources.json", "tfs.npy", "ranks.npy", "lengths.npy"]  # what a patch reads
    assert {p.name for p in written.iterdir()} == {*files, *(f"{f}.sha256" for f in files)}
    cached = load(corpus, tmp_path)
    assert cached.documents == fresh.documents
    assert cached.problems == fresh.problems
    assert answers(cached) == answers(fresh)
    assert cache_dirs(tmp_path) == [written]


def test_the_cached_index_is_memory_mapped_not_read(corpus: Path, tmp_path: Path) -> None:
    """Postings stay on disk until a question reads them: a million clauses load lightly."""
    import numpy as np

    load(corpus, tmp_path)
    cached = load(corpus, tmp_path).index.bm25
    # Seen as plain arrays (a memmap slice runs Python code), still views of the mapped file.
    for array in (cached.docs, cached.weights):
        assert not array.flags.owndata
        assert isinstance(array.base, np.memmap)


def test_cached_clauses_are_columns_made_into_clauses_when_read(
    corpus: Path, tmp_path: Path
) -> None:
    """No Clause object exists per cached clause: a clause is made from the columns on access."""
    from retrieval.storage.clause_table import ClauseTable

    fresh = load(corpus, tmp_path)
    cached = load(corpus, tmp_path)
    assert isinstance(cached.clauses, ClauseTable)
    assert all(isinstance(d.clauses, ClauseTable) for d in cached.documents)
    assert list(cached.clauses) == list(fresh.clauses)
    assert cached.clauses[-1] == fresh.clauses[-1]
    assert cached.documents[1].clauses[:2] == fresh.documents[1].clauses[:2]


def test_added_changed_and_removed_files_rebuild(corpus: Path, tmp_path: Path) -> None:
    before = load(corpus, tmp_path)
    (corpus / "new.txt").write_text(POLICY, encoding="utf-8")
    added = load(corpus, tmp_path)
    assert len(added.documents) == len(before.documents) + 1
    (corpus / "new.txt").write_text(POLICY.replace("缓存测试", "缓存更新"), encoding="utf-8")
    changed = load(corpus, tmp_path)
    assert "推进缓存更新" in changed.answer("缓存更新").hits[0].clause.text
    (corpus / "new.txt").unlink()
    removed = load(corpus, tmp_path)
    assert removed.documents == before.documents
    assert len(cache_dirs(tmp_path)) == 1


@pytest.mark.parametrize(
    "damage", ["truncate-json", "garbage-npy", "wrong-shape", "missing", "clause-rows-shape"]
)
def test_a_corrupt_cache_is_rebuilt_not_trusted(corpus: Path, tmp_path: Path, damage: str) -> None:
    fresh = load(corpus, tmp_path)
    [written] = cache_dirs(tmp_path)
    if damage == "truncate-json":
        text = (written / "library.jsonl").read_text(encoding="utf-8")
        (written / "library.jsonl").write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "garbage-npy":
        (written / "weights.npy").write_bytes(b"\x80\x04not an array")
    elif damage == "wrong-shape":
        import numpy as np

        np.save(written / "idf.npy", np.zeros(3))
        np.save(written / "indptr.npy", np.zeros(2, np.int64))
        np.save(written / "docs.npy", np.zeros(1, np.int32))
        np.save(written / "weights.npy", np.zeros(1))
    elif damage == "clause-rows-shape":
        import numpy as np

        np.save(written / "clause_rows.npy", np.zeros((2, 8), np.int32))
        seal(written / "clause_rows.npy")  # a well-sealed file that does not fit the documents
    else:
        (written / "docs.npy").unlink()
    rebuilt = load(corpus, tmp_path)
    assert rebuilt.documents == fresh.documents
    assert answers(rebuilt) == answers(fresh)


def test_cache_holds_no_pickle(corpus: Path, tmp_path: Path) -> None:
    import numpy as np

    load(corpus, tmp_path)
    [written] = cache_dirs(tmp_path)
    for path in written.glob("*.npy"):
        assert np.load(path, allow_pickle=False).dtype != object


def test_a_stale_cache_answers_while_the_changed_corpus_is_indexed(
    corpus: Path, tmp_path: Path
) -> None:
    paths = LibraryPaths(corpus, LEXICON_DIR, tmp_path / "cache")
    before = Library.load(paths)
    (corpus / "new.txt").write_text(POLICY, encoding="utf-8")
    assert not Library.is_cached(paths)
    stale = Library.load_stale(paths)
    assert stale is not None
    assert stale.documents == before.documents  # answers at once, from the old index
    fresh = Library.load(paths)
    assert len(fresh.documents) == len(before.documents) + 1
    assert Library.is_cached(paths)


def test_rebuilding_keeps_other_caches_in_the_directory(corpus: Path, tmp_path: Path) -> None:
    load(corpus, tmp_path)
    vectors = tmp_path / "cache" / "embeddings" / "bge-m3.npz"
    vectors.parent.mkdir()
    vectors.write_bytes(b"vectors")
    (corpus / "new.txt").write_text(POLICY, encoding="utf-8")
    load(corpus, tmp_path)
    assert len(cache_dirs(tmp_path)) == 1
    assert vectors.read_bytes() == b"vectors"


def test_one_expander_table_is_kept_and_a_corrupt_one_rebuilt(
    corpus: Path, tmp_path: Path
) -> None:
    load(corpus, tmp_path)
    (corpus / "new.txt").write_text(POLICY, encoding="utf-8")
    fresh = load(corpus, tmp_path)
    [table] = list((tmp_path / "cache").glob("expander-*.json"))
    table.write_text("{not json", encoding="utf-8")
    rebuilt = load(corpus, tmp_path)
    assert rebuilt.expander.repairs("数剧") == fresh.expander.repairs("数剧") == ["数据"]
    assert len(list((tmp_path / "cache").glob("expander-*.json"))) == 1


@pytest.fixture
def settled(tmp_path: Path) -> list[Path]:
    """A two-file corpus whose files are old enough for their stamps to be kept."""
    directory = tmp_path / "settled"
    directory.mkdir()
    (directory / "a.md").write_text(POLICY, encoding="utf-8")
    (directory / "b.md").write_text(POLICY.replace("缓存", "存储"), encoding="utf-8")
    time.sleep(cache._SETTLE_NS / 1e9 + 0.1)  # younger files are hashed at every start
    return corpus_files(directory)


def test_the_key_from_stamps_is_the_key_from_the_bytes(
    settled: list[Path], tmp_path: Path
) -> None:
    stamps = tmp_path / "cache" / cache.STAMPS
    plain = cache.cache_key(settled, LEXICON_DIR, "t")
    assert cache.cache_key(settled, LEXICON_DIR, "t", stamps) == plain
    assert len(json.loads(stamps.read_text(encoding="utf-8"))["files"]) == 2
    assert cache.cache_key(settled, LEXICON_DIR, "t", stamps) == plain


def test_an_unchanged_file_is_not_read_again(settled: list[Path], tmp_path: Path) -> None:
    stamps = tmp_path / "cache" / cache.STAMPS
    plain = cache.cache_key(settled, LEXICON_DIR, "t", stamps)
    recorded = json.loads(stamps.read_text(encoding="utf-8"))
    recorded["files"][str(settled[0])][5] = "00" * 32  # what the stamp says the bytes hash to
    stamps.write_text(json.dumps(recorded), encoding="utf-8")
    seal(stamps)
    assert cache.cache_key(settled, LEXICON_DIR, "t", stamps) != plain


def test_a_file_rewritten_with_its_size_and_time_kept_is_read_again(
    settled: list[Path], tmp_path: Path
) -> None:
    stamps = tmp_path / "cache" / cache.STAMPS
    before = cache.cache_key(settled, LEXICON_DIR, "t", stamps)
    target = settled[0]
    info = target.stat()
    target.write_bytes(target.read_bytes().replace("通知".encode(), "通告".encode()))
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert (target.stat().st_size, target.stat().st_mtime_ns) == (info.st_size, info.st_mtime_ns)
    after = cache.cache_key(settled, LEXICON_DIR, "t", stamps)
    assert after != before
    assert after == cache.cache_key(settled, LEXICON_DIR, "t")


def test_damaged_stamps_are_ignored(settled: list[Path], tmp_path: Path) -> None:
    stamps = tmp_path / "cache" / cache.STAMPS
    plain = cache.cache_key(settled, LEXICON_DIR, "t", stamps)
    stamps.write_bytes(stamps.read_bytes()[:-5] + b"12345")
    assert cache.cache_key(settled, LEXICON_DIR, "t", stamps) == plain
