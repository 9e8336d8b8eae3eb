"""The embeddings client and semantic channel against a real local /v1/embeddings server."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from prometheus_client import REGISTRY

from bot.endpoints.embeddings import (
    EmbedConfig,
    EmbeddingChannel,
    EmbeddingClient,
    EmbeddingUnavailable,
    clause_text,
)
from bot.endpoints.vectors import VectorCache
from retrieval.library import Library
from retrieval.model import Clause
from retrieval.search.fusion import reciprocal_rank_fusion
from tests.fake_embeddings import DIM, FakeEmbeddings

MODEL = "fake-bigram"
DISCLOSURE = "建立公共数据资源授权运营情况披露机制"  # words of 公共数据意见（五）


@pytest.fixture
def server() -> Iterator[FakeEmbeddings]:
    with FakeEmbeddings() as running:
        yield running


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "embeddings"


def prepare(
    server: FakeEmbeddings,
    clauses: tuple[Clause, ...] | list[Clause],
    cache_dir: Path,
    route: str = "ok",
    batch_size: int = 64,
) -> EmbeddingChannel:
    client = EmbeddingClient(EmbedConfig(server.url(route), "sk-embed", MODEL))
    return EmbeddingChannel.prepare(clauses, client, cache_dir, False, batch_size)


def unique_texts(clauses: tuple[Clause, ...] | list[Clause]) -> set[str]:
    return {clause_text(c) for c in clauses}


def test_clause_vectors_are_embedded_in_batches_with_the_key(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    channel = prepare(server, library.clauses, cache_dir, batch_size=16)
    texts = unique_texts(library.clauses)
    assert len(server.requests) == math.ceil(len(texts) / 16)
    assert all(len(r["inputs"]) <= 16 for r in server.requests)
    assert {t for r in server.requests for t in r["inputs"]} == texts
    assert {r["path"] for r in server.requests} == {"/ok/v1/embeddings"}
    assert {r["auth"] for r in server.requests} == {"Bearer sk-embed"}
    assert {r["body"]["model"] for r in server.requests} == {MODEL}
    assert channel.matrix.shape == (len(library.clauses), DIM)
    assert np.allclose(np.linalg.norm(channel.matrix, axis=1), 1.0, atol=1e-5)


def test_a_clause_is_embedded_as_heading_and_text(library: Library) -> None:
    clause = next(c for c in library.clauses if c.heading)
    assert clause_text(clause) == f"{clause.heading}\n{clause.text}"


def test_a_second_start_embeds_nothing(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    first = prepare(server, library.clauses, cache_dir)
    asked = len(server.requests)
    second = prepare(server, library.clauses, cache_dir)
    assert len(server.requests) == asked
    assert np.array_equal(first.matrix, second.matrix)


def test_a_changed_text_is_the_only_one_embedded_again(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    prepare(server, library.clauses, cache_dir)
    clauses = list(library.clauses)
    clauses[3] = replace(clauses[3], text=clauses[3].text + "新增一句用于测试。")
    before = len(server.requests)
    channel = prepare(server, clauses, cache_dir)
    [request] = server.requests[before:]
    assert request["inputs"] == [clause_text(clauses[3])]
    assert channel.matrix.shape == (len(clauses), DIM)


def test_the_cache_keeps_only_the_current_texts(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    prepare(server, library.clauses, cache_dir)
    prepare(server, library.clauses[:10], cache_dir)
    cached = VectorCache(cache_dir, MODEL).load()
    assert len(cached.keys) == len(unique_texts(library.clauses[:10]))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "bit-flipped", "other-model"])
def test_a_corrupt_cache_is_ignored_and_rebuilt(
    server: FakeEmbeddings,
    library: Library,
    cache_dir: Path,
    damage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = prepare(server, library.clauses, cache_dir)
    path = VectorCache(cache_dir, MODEL).path
    asked = len(server.requests)
    if damage == "garbage":
        path.write_bytes(b"\x80\x04not a zip")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "bit-flipped":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01  # inside the vectors: only the zip's CRC can tell
        path.write_bytes(bytes(data))
    else:
        written = VectorCache(cache_dir, MODEL)
        vectors = written.load()
        written.model = "another-model"  # the same file name holding another model's vectors
        written.save(vectors)
    second = prepare(server, library.clauses, cache_dir)
    assert len(server.requests) == 2 * asked
    assert np.array_equal(first.matrix, second.matrix)
    warned = [r for r in caplog.records if "cache damaged" in r.getMessage()]
    assert len(warned) == (0 if damage == "other-model" else 1)


def test_the_cache_holds_no_pickle(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    prepare(server, library.clauses, cache_dir)
    with np.load(VectorCache(cache_dir, MODEL).path, allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)


def test_vectors_are_put_back_in_input_order(
    server: FakeEmbeddings, library: Library, tmp_path: Path
) -> None:
    ordered = prepare(server, library.clauses, tmp_path / "a")
    reversed_ = prepare(server, library.clauses, tmp_path / "b", route="reversed")
    assert np.array_equal(ordered.matrix, reversed_.matrix)


def test_a_rate_limited_batch_is_retried_once(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    channel = prepare(server, library.clauses, cache_dir, route="e429-once")
    assert channel.matrix.shape == (len(library.clauses), DIM)
    assert len(server.requests) == math.ceil(len(unique_texts(library.clauses)) / 64) + 1


@pytest.mark.parametrize("route", ["e500", "garbage", "nan", "short", "down"])
def test_clause_vectors_that_cannot_be_computed_raise(
    server: FakeEmbeddings, library: Library, cache_dir: Path, route: str
) -> None:
    client = EmbeddingClient(
        EmbedConfig("http://127.0.0.1:9/v1" if route == "down" else server.url(route), None, MODEL)
    )
    with pytest.raises(EmbeddingUnavailable):
        EmbeddingChannel.prepare(library.clauses, client, cache_dir, progress=False)


def test_a_failed_embedding_request_is_counted(server: FakeEmbeddings) -> None:
    def failures() -> float:
        return REGISTRY.get_sample_value("policybot_embedding_failures_total") or 0.0

    before = failures()
    EmbeddingClient(EmbedConfig(server.url("ok"), None, MODEL)).embed([DISCLOSURE], 5.0)
    assert failures() == before
    with pytest.raises(EmbeddingUnavailable):
        EmbeddingClient(EmbedConfig(server.url("e500"), None, MODEL)).embed([DISCLOSURE], 5.0)
    assert failures() == before + 1


def test_a_model_whose_dimension_changed_is_embedded_again(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    prepare(server, library.clauses, cache_dir)
    clauses = list(library.clauses)
    clauses[0] = replace(clauses[0], text=clauses[0].text + "改动")
    channel = prepare(server, clauses, cache_dir, route="wrong-dim")
    assert channel.matrix.shape == (len(clauses), 17)
    assert VectorCache(cache_dir, MODEL).load().dim == 17


def test_rank_puts_the_clause_sharing_the_words_first(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    channel = prepare(server, library.clauses, cache_dir)
    ranking = channel.rank(DISCLOSURE, 5)
    assert ranking is not None
    assert len(ranking) == 5
    assert DISCLOSURE in library.clauses[ranking[0]].text
    scored = channel.scored(DISCLOSURE, 5)
    assert scored is not None
    assert [p for p, _ in scored] == list(ranking)
    assert scored[0][1] >= scored[-1][1]
    [query] = [r for r in server.requests if r["inputs"] == [DISCLOSURE]]
    assert query["auth"] == "Bearer sk-embed"


def test_semantic_and_bm25_rankings_fuse(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    channel = prepare(server, library.clauses, cache_dir)
    question = "公共数据授权运营情况要公开吗"
    semantic = channel.rank(question, 20)
    assert semantic is not None
    position = {id(c): n for n, c in enumerate(library.clauses)}
    bm25 = [position[id(h.clause)] for h in library.search(question, k=20).hits]
    fused = reciprocal_rank_fusion([bm25, semantic])
    assert set(fused) == set(bm25) | set(semantic)
    assert "披露" in library.clauses[fused[0]].text


def test_query_vectors_are_remembered(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    channel = prepare(server, library.clauses, cache_dir)
    before = len(server.requests)
    assert channel.rank("数据安全", 3) == channel.rank("数据安全", 3)
    assert len(server.requests) == before + 1


@pytest.mark.parametrize("route", ["slow", "e500", "garbage", "wrong-dim", "nan", "short", "down"])
def test_a_query_that_cannot_be_embedded_in_time_ranks_nothing(
    server: FakeEmbeddings, library: Library, cache_dir: Path, route: str
) -> None:
    prepare(server, library.clauses, cache_dir)  # clause vectors cached while it worked
    url = "http://127.0.0.1:9/v1" if route == "down" else server.url(route)
    client = EmbeddingClient(EmbedConfig(url, None, MODEL))
    channel = EmbeddingChannel.prepare(
        library.clauses, client, cache_dir, progress=False, deadline=0.5
    )
    started = time.monotonic()
    assert channel.rank("数据安全", 3) is None
    assert time.monotonic() - started < 1.5


def test_failures_are_logged_once_not_per_query(
    server: FakeEmbeddings,
    library: Library,
    cache_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    prepare(server, library.clauses, cache_dir)
    channel = prepare(server, library.clauses, cache_dir, route="e500")
    with caplog.at_level(logging.WARNING):
        for n in range(5):
            assert channel.rank(f"数据安全{n}", 3) is None
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "HTTP 500" in warning.getMessage()


async def test_no_blocking_call_on_the_event_loop(
    server: FakeEmbeddings, library: Library, cache_dir: Path
) -> None:
    channel = prepare(server, library.clauses, cache_dir)
    before = len(server.requests)
    assert channel.rank("数据安全", 3) is None
    assert len(server.requests) == before
