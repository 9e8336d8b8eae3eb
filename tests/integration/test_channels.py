"""Wiring the optional channels: attach_channels, and the CLI with endpoints up, down or slow."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.endpoints.channels import attach_channels
from bot.endpoints.embeddings import QUERY_DEADLINE, EmbeddingChannel
from bot.endpoints.rewrite import LLMRewriter
from bot.upkeep.building import library_builder
from config.settings import LEXICON_DIR, load_settings
from retrieval.library import Library, LibraryPaths
from tests.fake_embeddings import FakeEmbeddings

POLICY = (
    "关于测试语义通道的通知\n\n一、总体要求\n\n（一）基本原则。坚持依法行政，推进数据共享。\n\n"
    "（二）主要目标。到2025年，建成统一的公共数据开放平台。\n"
)
DOWN = "http://127.0.0.1:9/v1"
QUESTION = "公共数据授权运营情况要公开吗"


@pytest.fixture
def embeddings() -> Iterator[FakeEmbeddings]:
    with FakeEmbeddings() as running:
        yield running


@pytest.fixture
def small_library(corpus_dir: Path) -> Library:
    (corpus_dir / "policy.txt").write_text(POLICY, encoding="utf-8")
    return Library.load(LibraryPaths(corpus_dir, LEXICON_DIR))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir for the CLI runs here: the library cache is built once."""
    return tmp_path_factory.mktemp("data")


def test_nothing_is_attached_by_default(small_library: Library, tmp_path: Path) -> None:
    attach_channels(small_library, load_settings(data_dir=tmp_path))
    assert small_library.semantic is None
    assert small_library.rewriter is None


def test_configured_channels_are_attached(
    small_library: Library, embeddings: FakeEmbeddings, tmp_path: Path
) -> None:
    settings = load_settings(data_dir=tmp_path, embed_base_url=embeddings.url(), llm_base_url=DOWN)
    attach_channels(small_library, settings, progress=False)
    assert isinstance(small_library.semantic, EmbeddingChannel)
    assert isinstance(small_library.rewriter, LLMRewriter)
    assert list((tmp_path / "cache" / "embeddings").glob("bge-m3-*.npz"))


def test_every_library_the_builder_builds_has_the_configured_channels(
    corpus_dir: Path, embeddings: FakeEmbeddings, tmp_path: Path
) -> None:
    (corpus_dir / "policy.txt").write_text(POLICY, encoding="utf-8")
    settings = load_settings(
        corpus_dir=corpus_dir,
        data_dir=tmp_path,
        embed_base_url=embeddings.url(),
        llm_base_url=DOWN,
    )
    builder = library_builder(settings)
    for library in (builder.build(), builder.build()):  # at start, then re-indexed
        assert isinstance(library.semantic, EmbeddingChannel)
        assert isinstance(library.rewriter, LLMRewriter)
    plain = library_builder(settings, channels=False).build()
    assert plain.semantic is None
    assert plain.rewriter is None


def test_the_rewriter_can_be_switched_off(small_library: Library, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, llm_base_url=DOWN, llm_rewrite=False)
    attach_channels(small_library, settings)
    assert small_library.rewriter is None


@pytest.mark.parametrize("route", ["e500", "garbage", "down"])
def test_no_clause_vectors_means_no_semantic_channel_and_one_warning(
    small_library: Library,
    embeddings: FakeEmbeddings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    route: str,
) -> None:
    url = DOWN if route == "down" else embeddings.url(route)
    with caplog.at_level(logging.WARNING):
        attach_channels(small_library, load_settings(data_dir=tmp_path, embed_base_url=url))
    assert small_library.semantic is None
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "BM25 alone" in warning.getMessage()


def ask(monkeypatch: pytest.MonkeyPatch, data_dir: Path, **env: str) -> tuple[str, float]:
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(data_dir))
    for name, value in env.items():
        monkeypatch.setenv(f"POLICYBOT_{name.upper()}", value)
    out = io.StringIO()
    started = time.monotonic()
    assert main(["ask", QUESTION, "--json"], out=out) == 0
    return out.getvalue(), time.monotonic() - started


def test_ask_answers_as_usual_with_both_endpoints_down(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    plain, _ = ask(monkeypatch, data_dir)
    degraded, _ = ask(monkeypatch, data_dir, embed_base_url=DOWN, llm_base_url=DOWN)
    assert json.loads(degraded) == json.loads(plain)
    assert json.loads(degraded)["status"] == "ok"


def test_ask_embeds_the_corpus_once(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, embeddings: FakeEmbeddings
) -> None:
    first, _ = ask(monkeypatch, data_dir, embed_base_url=embeddings.url(), embed_model="once")
    assert json.loads(first)["status"] == "ok"
    batches = [r for r in embeddings.requests if len(r["inputs"]) > 1]
    assert batches
    assert len(list((data_dir / "cache" / "embeddings").glob("once-*.npz"))) == 1
    asked = len(embeddings.requests)
    ask(monkeypatch, data_dir, embed_base_url=embeddings.url(), embed_model="once")
    assert all(len(r["inputs"]) == 1 for r in embeddings.requests[asked:])  # queries only


def test_a_slow_endpoint_does_not_hold_the_answer(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, embeddings: FakeEmbeddings
) -> None:
    plain, _ = ask(monkeypatch, data_dir)  # before any POLICYBOT_EMBED_* is set
    ask(monkeypatch, data_dir, embed_base_url=embeddings.url(), embed_model="slow-later")
    slow, seconds = ask(
        monkeypatch, data_dir, embed_base_url=embeddings.url("slow"), embed_model="slow-later"
    )
    assert json.loads(slow) == json.loads(plain)
    assert seconds < QUERY_DEADLINE + 2.0


def test_the_default_path_loads_no_http_client(tmp_path: Path) -> None:
    code = (
        "import io, sys\n"
        "from bot.cli import main\n"
        "main(['ask', '数据安全', '--json'], out=io.StringIO())\n"
        "print(sorted(m for m in ('httpx', 'bot.endpoints.embeddings', 'bot.endpoints.rewrite')"
        " if m in sys.modules))"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
