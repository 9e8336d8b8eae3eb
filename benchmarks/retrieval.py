"""Retrieval at scale: build time, query latency against rank-bm25, cold start, peak RSS.

    .venv/bin/python benchmarks/retrieval.py                      # 1k, 10k, 100k, 1M clauses
    .venv/bin/python benchmarks/retrieval.py --sizes 1000,10000   # a quick run

Synthetic corpora are policy-style text files (一、 chapters, （N） sections) whose clauses
are 2–4 sentences drawn from the bundled seed clauses, parsed by the real pipeline. Each size
runs in its own process so its peak RSS is its own; rank-bm25 runs in another process over the
same clauses and query tokens. Because synthetic clauses reuse seed sentences, tokenisation is
mostly served by the tokenizer's sentence memo: the "unique text" line gives the cost of
tokenising text never seen before, measured on the seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)) if str(ROOT) not in sys.path else None  # noqa: B018

from config.settings import BUNDLED_CORPUS, LEXICON_DIR  # noqa: E402
from retrieval.index import index_text  # noqa: E402
from retrieval.library import Library, LibraryPaths  # noqa: E402
from retrieval.numbering import int_to_cn  # noqa: E402

CLAUSES_PER_DOC = 500
CHAPTERS = 10
SEED = 20261123


def seed_library() -> Library:
    return Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))


def seed_sentences(library: Library) -> list[str]:
    sentences = []
    for clause in library.clauses:
        for sentence in re.findall(r"[^。！？；\n]+[。！？；]", clause.text):
            if len(sentence) >= 12:
                sentences.append(sentence)
    return sorted(set(sentences))


def write_corpus(directory: Path, size: int, sentences: list[str]) -> None:
    """Policy-style files with `size` clauses in total, deterministic for a size."""
    rng = random.Random(SEED + size)
    directory.mkdir(parents=True, exist_ok=True)
    per_chapter = CLAUSES_PER_DOC // CHAPTERS
    written = 0
    number = 0
    while written < size:
        number += 1
        lines = [f"合成政策文件第{number}号关于数据治理工作的意见", ""]
        for chapter in range(1, CHAPTERS + 1):
            if written >= size:
                break
            lines += [f"{int_to_cn(chapter)}、第{int_to_cn(chapter)}部分工作要求", ""]
            for section in range(1, per_chapter + 1):
                if written >= size:
                    break
                text = "".join(rng.sample(sentences, rng.randint(2, 4)))
                lines += [f"（{int_to_cn(section)}）{text}", ""]
                written += 1
        (directory / f"doc{number:05d}.txt").write_text("\n".join(lines), encoding="utf-8")


def queries(library: Library, count: int) -> list[list[str]]:
    """Query tokens from the seed headings and subheadings, as people phrase topics."""
    texts = sorted({c.heading for c in library.clauses if c.heading})
    texts += [
        "公共数据授权运营情况要公开吗",
        "数据跨境流动怎么管理",
        "网络安全态势感知",
        "个人信息保护",
        "政务云平台建设",
        "数据交易场所",
        "人工智能政务服务",
    ]
    out = []
    for text in (texts * (count // len(texts) + 1))[:count]:
        own, extra = library.tokenizer.query_tokens(text)
        out.append([*own, *extra])
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_generate(size: int, work: Path, query_count: int) -> dict[str, Any]:
    """Write the synthetic corpus files (in its own process, so its memory is not counted)."""
    write_corpus(work / f"corpus-{size}", size, seed_sentences(seed_library()))
    return {"size": size}


def worker_build(size: int, work: Path, query_count: int) -> dict[str, Any]:
    """Cold build: parse, tokenise, index and write the cache; peak RSS of exactly that."""
    from tqdm import tqdm

    bar = tqdm(total=size, unit="条", desc=f"索引 {size:,}", file=sys.stderr, mininterval=1)

    def progress(done: int, total: int) -> None:
        bar.n = done
        if done % 5000 == 0 or done == total:
            bar.refresh()

    paths = LibraryPaths(work / f"corpus-{size}", LEXICON_DIR, work / f"cache-{size}")
    started = time.perf_counter()
    library = Library.load(paths, progress=progress)
    cold = time.perf_counter() - started
    bar.close()
    return {"clauses": len(library.clauses), "build_cold_s": cold, "rss_mb": peak_rss_mb()}


def worker_ours(size: int, work: Path, query_count: int) -> dict[str, Any]:
    """A fresh process, as the bot starts: load from the cache, then time the queries."""
    seeds = seed_library()
    paths = LibraryPaths(work / f"corpus-{size}", LEXICON_DIR, work / f"cache-{size}")
    started = time.perf_counter()
    library = Library.load(paths)
    cached = time.perf_counter() - started
    latencies = []
    for tokens in queries(seeds, query_count):
        started = time.perf_counter()
        library.index.bm25.top(tokens, 20)
        latencies.append((time.perf_counter() - started) * 1000)
    answer_latencies = []
    for text in ["公共数据授权运营情况要公开吗", "数据跨境流动怎么管理", "网络安全态势感知"] * 10:
        started = time.perf_counter()
        library.answer(text)
        answer_latencies.append((time.perf_counter() - started) * 1000)
    return {
        "build_cached_s": cached,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "answer_p50_ms": percentile(answer_latencies, 50),
        "answer_p99_ms": percentile(answer_latencies, 99),
        "cached_rss_mb": peak_rss_mb(),
    }


def worker_reference(size: int, work: Path, query_count: int) -> dict[str, Any]:
    from rank_bm25 import BM25Okapi

    seeds = seed_library()
    library = Library.load(
        LibraryPaths(work / f"corpus-{size}", LEXICON_DIR, work / f"cache-{size}")
    )
    docs = [library.tokenizer.tokens(index_text(c)) for c in library.clauses]
    started = time.perf_counter()
    reference = BM25Okapi(docs)
    build = time.perf_counter() - started
    latencies = []
    for tokens in queries(seeds, query_count):
        started = time.perf_counter()
        reference.get_scores(tokens)
        latencies.append((time.perf_counter() - started) * 1000)
    return {
        "size": size,
        "ref_build_s": build,
        "ref_p50_ms": percentile(latencies, 50),
        "ref_p99_ms": percentile(latencies, 99),
        "ref_queries": query_count,
        "ref_rss_mb": peak_rss_mb(),
    }


def run_worker(kind: str, size: int, work: Path, query_count: int) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--worker",
        kind,
        "--size",
        str(size),
        "--work",
        str(work),
        "--queries",
        str(query_count),
    ]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cold_start(cache: bool) -> float:
    """Seconds from process start to the first answer, bundled corpus, median of 3."""
    times = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as data:
            env = {**os.environ, "POLICYBOT_DATA_DIR": data}
            command = [sys.executable, "-m", "bot.cli", "ask", "数据安全", "--json"]
            if cache:
                subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
            started = time.perf_counter()
            subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def unique_text_cost() -> float:
    """Milliseconds to tokenise one seed clause never seen before (no sentence memo)."""
    library = seed_library()
    texts = [index_text(c) for c in library.clauses]
    library.tokenizer._memo.clear()
    started = time.perf_counter()
    for text in texts:
        library.tokenizer.tokens(text)
    return (time.perf_counter() - started) * 1000 / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--reference-queries-large",
        type=int,
        default=20,
        help="rank-bm25 queries above 100k clauses (it takes ~1 s each)",
    )
    parser.add_argument("--worker", choices=list(WORKERS))
    parser.add_argument("--size", type=int)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.size, args.work, args.queries)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="policybot-bench-") as work:
        for size in sizes:
            run_worker("generate", size, Path(work), 0)
            built = run_worker("build", size, Path(work), 0)
            ours = {**built, **run_worker("ours", size, Path(work), args.queries)}
            ref_queries = args.queries if size <= 100_000 else args.reference_queries_large
            reference = run_worker("reference", size, Path(work), ref_queries)
            rows.append({**ours, **reference})
            for path in Path(work).glob(f"*-{size}"):
                subprocess.run(["rm", "-rf", str(path)], check=True)
    print()
    print(
        f"{'clauses':>9} | {'build cold':>10} | {'from cache':>10} | {'ours p50':>9} | "
        f"{'ours p99':>9} | {'bm25 p50':>9} | {'bm25 p99':>9} | {'speed-up':>8} | "
        f"{'answer p50':>10} | {'peak RSS':>9}"
    )
    for r in rows:
        print(
            f"{r['clauses']:>9,} | {r['build_cold_s']:>9.1f}s | {r['build_cached_s']:>9.2f}s | "
            f"{r['p50_ms']:>7.3f}ms | {r['p99_ms']:>7.3f}ms | {r['ref_p50_ms']:>7.1f}ms | "
            f"{r['ref_p99_ms']:>7.1f}ms | {r['ref_p50_ms'] / r['p50_ms']:>7.0f}× | "
            f"{r['answer_p50_ms']:>8.2f}ms | {r['rss_mb']:>7.0f}MB"
        )
    print(
        "(peak RSS: the process that parses, indexes and caches; from the cache: "
        + ", ".join(f"{r['clauses']:,}: {r['cached_rss_mb']:.0f}MB" for r in rows)
        + ")"
    )
    print(
        "(rank-bm25 RSS in its own process: "
        + ", ".join(f"{r['clauses']:,}: {r['ref_rss_mb']:.0f}MB" for r in rows)
        + ")"
    )
    print(f"tokenising unique text: {unique_text_cost():.2f} ms per seed clause")
    print(
        f"cold start, bundled corpus, process start → first answer: "
        f"{cold_start(cache=False):.2f}s without cache, {cold_start(cache=True):.2f}s with cache"
    )


WORKERS = {
    "generate": worker_generate,
    "build": worker_build,
    "ours": worker_ours,
    "reference": worker_reference,
}

if __name__ == "__main__":
    main()
