"""Shared fixtures: the real bundled library, a clean environment, temporary data dirs."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.store.store import Store
from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.library import Library, LibraryPaths
from tests.harness import EXTRA_REGULATION, FIXTURES


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No POLICYBOT_* variable or .env file from the developer's machine leaks in."""
    import os

    for name in list(os.environ):
        if name.startswith("POLICYBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def library() -> Library:
    """The library built from the bundled seeds, as users get it."""
    return Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))


@pytest.fixture(scope="session")
def regulation_file() -> Path:
    """The extra regulation (第X章/第X条 style): ../shared, else the copy under fixtures."""
    return EXTRA_REGULATION if EXTRA_REGULATION.is_file() else FIXTURES / EXTRA_REGULATION.name


@pytest.fixture(scope="session")
def library_with_regulation(
    tmp_path_factory: pytest.TempPathFactory, regulation_file: Path
) -> Library:
    """Seeds plus the regulation dropped into the corpus directory, no code change."""
    corpus = tmp_path_factory.mktemp("corpus")
    for path in BUNDLED_CORPUS.iterdir():
        shutil.copy(path, corpus / path.name)
    shutil.copy(regulation_file, corpus / regulation_file.name)
    return Library.load(LibraryPaths(corpus, LEXICON_DIR))


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """An empty corpus directory to fill in a test."""
    directory = tmp_path / "corpus"
    directory.mkdir()
    return directory


POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"  # trust auth, as on the dev machines


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | str]:
    """Where a store lives: a fresh SQLite file, or a fresh schema on the local PostgreSQL."""
    if request.param == "sqlite":
        yield tmp_path / "store.sqlite3"
        return
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0]
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_URL} ({reason})")
    schema = f"policybot_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def open_store(database: Path | str) -> Iterator[Callable[[], Store]]:
    """Opens stores (each its own connection, as separate replicas) on `database`; closes them."""
    opened: list[Store] = []

    def make() -> Store:
        opened.append(Store(database))
        return opened[-1]

    yield make
    for store in opened:
        store.close()
