"""Folding with zhconv's tables read from a cache is folding with zhconv."""

from __future__ import annotations

from pathlib import Path

import pytest
import zhconv

from retrieval.library import Library
from retrieval.words import normalize

TRADITIONAL = [
    "個人資訊保護法第十三條規定：處理個人資訊應當取得個人同意。",
    "數據安全法 網絡安全 資料庫 軟體 記憶體 裡面 乾燥 後來 頭髮 發展",
    "「公共數據」授權運營，憑證與證照；雲端運算、資訊科技。",
    "",
]


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """zhconv's tables written to a cache and read back from it (the module's state restored
    after the test)."""
    monkeypatch.setattr(normalize, "_tables", None)
    normalize.use_tables(tmp_path)  # writes them
    monkeypatch.setattr(normalize, "_tables", None)
    normalize.use_tables(tmp_path)  # reads them
    return tmp_path


def test_the_cached_tables_convert_as_zhconv(cached: Path, library: Library) -> None:
    texts = TRADITIONAL + [c.text for c in library.clauses]
    texts += [n for d in library.documents for n in (d.title, *d.aliases)]
    assert normalize._tables is not None
    assert [normalize.simplified(t) for t in texts] == [zhconv.convert(t, "zh-cn") for t in texts]


def test_damaged_tables_are_made_again(cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [path] = cached.glob(f"{normalize.TABLES}.marshal")
    path.write_bytes(path.read_bytes()[:100])
    monkeypatch.setattr(normalize, "_tables", None)
    normalize.use_tables(cached)
    assert normalize.simplified(TRADITIONAL[0]) == zhconv.convert(TRADITIONAL[0], "zh-cn")
    assert normalize._tables is not None
    assert path.stat().st_size > 100
