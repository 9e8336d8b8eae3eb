"""The answer path at scale: Library.answer and the CLI batch against rank-bm25, cold start.

    .venv/bin/python -m benchmarks.retrieval                      # 10k, 100k, 1M clauses
    .venv/bin/python -m benchmarks.retrieval --sizes 10000,100000 # without the heavy 1M run

Synthetic corpora (benchmarks/regulations.py) are named regulations (第N章/第N条) and policy
texts (一、/（N）with headings), 250 clauses a file, clause texts drawn from the bundled seed
sentences, parsed by the real pipeline. Questions are a realistic mix (see `mix`): topics with
spaces and punctuation, document names inside questions, clause references in every form,
heading references, English, empty and huge input. Each size runs in its own process so its
peak RSS is its own; rank-bm25 runs in another process over the same clause tokens.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.cold_start import cold_start_cpu
from benchmarks.regulations import write_corpus
from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval.documents.numbering import int_to_cn
from retrieval.library import Library, LibraryPaths
from retrieval.question.query import read_question
from retrieval.search.index import index_text

ROOT = Path(__file__).resolve().parent.parent

MIX_SIZE = 400  # questions timed per size
_SHARED_DEV = ROOT.parent / "shared" / "eval" / "dev_qa.jsonl"
DEV_SET = _SHARED_DEV if _SHARED_DEV.is_file() else ROOT / "tests" / "fixtures" / "dev_qa.jsonl"


def seed_library() -> Library:
    return Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))


def seed_sentences(library: Library) -> list[str]:
    sentences = []
    for clause in library.clauses:
        for sentence in re.findall(r"[^。！？；\n]+[。！？；]", clause.text):
            if len(sentence) >= 12:
                sentences.append(sentence)
    return sorted(set(sentences))


def mix(library: Library, names: list[str], count: int) -> list[str]:
    """Questions as users send them, over the documents of a synthetic corpus."""
    rng = random.Random(count)
    topics = sorted({c.heading for c in library.clauses if c.heading})
    regulations = [n for n in names if not n.endswith("意见")]
    policies = [n for n in names if n.endswith("意见")] or names
    forms = [
        lambda: rng.choice(topics),
        lambda: " ".join(rng.sample(rng.choice(topics), 4)) + "？",
        lambda: f"{rng.choice(topics)}，具体 怎么 要求的？",
        lambda: f"{rng.choice(regulations)}里关于数据共享是怎么规定的？",
        lambda: f"{rng.choice(regulations)}第{int_to_cn(rng.randint(1, 250))}条",
        lambda: f"《{rng.choice(regulations)}》 第{rng.randint(1, 250)}条讲了什么",
        lambda: f"{rng.choice(regulations)}第{int_to_cn(rng.randint(1, 8))}章",
        lambda: f"{rng.choice(regulations)}第九百条",
        lambda: f"{rng.choice(policies)} {int_to_cn(rng.randint(1, 6))}（{rng.randint(1, 9)}）",
        lambda: f"{rng.choice(policies)} {rng.randint(1, 6)}.{rng.randint(1, 9)}",
        lambda: f"{rng.choice(policies)} 总体要求 推进数据共享",
        lambda: "主要任务 强化安全保障",
        lambda: rng.choice(regulations),
        lambda: rng.choice(regulations).replace("省", "").replace("市", ""),
        lambda: "How should public data be shared between departments?",
        lambda: "第十条",
        lambda: "",
        lambda: "数据安全" * 200,
    ]
    return [rng.choice(forms)() for _ in range(count)]


def topic_tokens(library: Library, questions: list[str]) -> list[list[str]]:
    """The search tokens of the questions, as rank-bm25 gets them."""
    out = []
    for text in questions:
        if len(text) > 100:
            # The 800-character input repeats 数据/安全 hundreds of times: scoring each repeat's
            # postings (as get_scores and rank-bm25 do) is not what an answer does.
            continue
        wording = read_question(text, library.tokenizer)
        own, extra = library.tokenizer.query_tokens(wording.translated)
        if own or extra:
            out.append([*own, *extra])
    return out


def timed(
    answer: Callable[[str], object], questions: list[str]
) -> tuple[list[float], list[float]]:
    """Milliseconds per question, wall clock and this process's CPU time: on a shared
    machine the wall figure carries other jobs' load, the CPU figure does not."""
    wall, cpu = [], []
    for text in questions:
        started, used = time.perf_counter(), time.process_time()
        answer(text)
        cpu.append((time.process_time() - used) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def summary(wall: list[float], cpu: list[float]) -> str:
    """p50 / p99 / mean, wall and CPU, in one line."""
    return (
        f"p50 {percentile(wall, 50):.2f} ms, p99 {percentile(wall, 99):.2f} ms, "
        f"mean {statistics.fmean(wall):.2f} ms (CPU: p50 {percentile(cpu, 50):.2f}, "
        f"p99 {percentile(cpu, 99):.2f}, mean {statistics.fmean(cpu):.2f} ms)"
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_generate(size: int, work: Path, query_count: int) -> dict[str, Any]:
    """Write the synthetic corpus files (in its own process, so its memory is not counted)."""
    names = write_corpus(work / f"corpus-{size}", size, seed_sentences(seed_library()))
    (work / f"names-{size}.json").write_text(json.dumps(names, ensure_ascii=False))
    return {"size": size}


def worker_build(size: int, work: Path, query_count: int) -> dict[str, Any]:
    """Cold build: parse, tokenise, index and write the cache; peak RSS of exactly that."""
    from tqdm import tqdm

    bar = tqdm(total=size, unit="条", desc=f"索引 {size:,}", file=sys.stderr, mininterval=1)

    def progress(done: int, total: int) -> None:
        bar.n = done
        if done % 5000 == 0 or done == total:
            bar.refresh()

    paths = LibraryPaths(work / f"corpus-{size}", LEXICON_DIR, work / f"data-{size}" / "cache")
    started = time.perf_counter()
    library = Library.load(paths, progress=progress)
    cold = time.perf_counter() - started
    bar.close()
    return {"clauses": len(library.clauses), "build_cold_s": cold, "rss_mb": peak_rss_mb()}


def worker_ours(size: int, work: Path, query_count: int) -> dict[str, Any]:
    """A fresh process, as the bot starts: load from the cache, then time the answer path."""
    seeds = seed_library()
    names = json.loads((work / f"names-{size}.json").read_text())
    paths = LibraryPaths(work / f"corpus-{size}", LEXICON_DIR, work / f"data-{size}" / "cache")
    started = time.perf_counter()
    library = Library.load(paths)
    cached = time.perf_counter() - started
    questions = mix(seeds, names, query_count)
    for text in questions[:20]:
        library.answer(text)  # first-touch caches, as a running bot has them
    latencies, cpu = timed(library.answer, questions)
    rss = peak_rss_mb()  # loading and answering: the scorer alone below is not the bot
    scorer = []
    for tokens in topic_tokens(library, questions):
        started = time.perf_counter()
        library.index.bm25.top(tokens, 20)
        scorer.append((time.perf_counter() - started) * 1000)
    return {
        "build_cached_s": cached,
        "answer_p50_ms": percentile(latencies, 50),
        "answer_p99_ms": percentile(latencies, 99),
        "answer_mean_ms": statistics.fmean(latencies),
        "cpu_p50_ms": percentile(cpu, 50),
        "cpu_p99_ms": percentile(cpu, 99),
        "cpu_mean_ms": statistics.fmean(cpu),
        "scorer_p50_ms": percentile(scorer, 50),
        "cached_rss_mb": rss,
    }


def worker_cli(size: int, work: Path, query_count: int) -> dict[str, Any]:
    """Milliseconds per question through `policybot ask --json -` (a batch minus one question)."""
    names = json.loads((work / f"names-{size}.json").read_text())
    # Five rounds of the mix: the start-up's jitter (±0.1 s) spreads over a thousand questions.
    questions = [q for q in mix(seed_library(), names, query_count) if q.strip()] * 5
    env = {
        **os.environ,
        "POLICYBOT_CORPUS_DIR": str(work / f"corpus-{size}"),
        "POLICYBOT_DATA_DIR": str(work / f"data-{size}"),
    }
    command = [sys.executable, "-m", "bot.cli", "ask", "--json", "-"]

    def run(lines: list[str]) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            command,
            input="\n".join(lines) + "\n",
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

    run(questions[:1])  # warms the page cache
    ones = [run(questions[:1]) for _ in range(3)]
    one, one_cpu = statistics.median(w for w, _ in ones), statistics.median(c for _, c in ones)
    batch, batch_cpu = run(questions)
    return {
        "cli_ms": (batch - one) * 1000 / (len(questions) - 1),
        "cli_cpu_ms": (batch_cpu - one_cpu) * 1000 / (len(questions) - 1),
    }


def worker_reference(size: int, work: Path, query_count: int) -> dict[str, Any]:
    from rank_bm25 import BM25Okapi

    seeds = seed_library()
    library = Library.load(
        LibraryPaths(work / f"corpus-{size}", LEXICON_DIR, work / f"data-{size}" / "cache")
    )
    docs = [library.tokenizer.tokens(index_text(c)) for c in library.clauses]
    started = time.perf_counter()
    reference = BM25Okapi(docs)
    build = time.perf_counter() - started
    latencies = []
    names = json.loads((work / f"names-{size}.json").read_text())
    for tokens in topic_tokens(library, mix(seeds, names, MIX_SIZE))[:query_count]:
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
        "-m",
        "benchmarks.retrieval",
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


def bundled_answer_times(warm: bool) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of Library.answer per dev-set question, bundled corpus.

    Each question is timed the first time the process sees it (the memos of normalised text
    and of jieba sentences are cold for it), after a warm-up on other questions. `warm`: the
    library as the bot and `chat` hold it (`Library.warm`: compiled jieba path, indexes
    built); else as a one-question `ask` does.
    """
    library = seed_library()
    if warm:
        library.warm()
    questions = [json.loads(line)["query"] for line in DEV_SET.read_text().splitlines() if line]
    for text in ("数据安全怎么管", "政务服务 一网通办", "数字政府 2.3", "What is a data broker?"):
        library.answer(text)
    return timed(library.answer, questions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=MIX_SIZE)
    parser.add_argument(
        "--reference-queries",
        type=int,
        default=20,
        help="rank-bm25 questions a size (it takes ~1 s each at 1M clauses)",
    )
    parser.add_argument(
        "--bundled", action="store_true", help="only the bundled corpus's answers and cold start"
    )
    parser.add_argument("--worker", choices=list(WORKERS))
    parser.add_argument("--size", type=int)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.size, args.work, args.queries)))
        return
    sizes = [] if args.bundled else [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="policybot-bench-") as work:
        for size in sizes:
            run_worker("generate", size, Path(work), 0)
            built = run_worker("build", size, Path(work), 0)
            ours = {**built, **run_worker("ours", size, Path(work), args.queries)}
            cli = run_worker("cli", size, Path(work), min(args.queries, 200))
            reference = run_worker("reference", size, Path(work), args.reference_queries)
            rows.append({**ours, **cli, **reference})
            for path in Path(work).glob(f"*-{size}*"):
                subprocess.run(["rm", "-rf", str(path)], check=True)
    print()
    print(
        f"{'clauses':>9} | {'build':>7} | {'load':>6} | {'answer p50':>10} | {'answer p99':>10} | "
        f"{'CLI/question':>12} | {'scorer p50':>10} | {'bm25 p50':>9} | {'speed-up':>8} | "
        f"{'RSS build':>9} | {'RSS load':>8}"
    )
    for r in rows:
        print(
            f"{r['clauses']:>9,} | {r['build_cold_s']:>6.1f}s | {r['build_cached_s']:>5.2f}s | "
            f"{r['answer_p50_ms']:>8.2f}ms | {r['answer_p99_ms']:>8.2f}ms | "
            f"{r['cli_ms']:>10.2f}ms | {r['scorer_p50_ms']:>8.2f}ms | {r['ref_p50_ms']:>7.1f}ms | "
            f"{r['ref_p50_ms'] / r['answer_p50_ms']:>7.0f}× | {r['rss_mb']:>7.0f}MB | "
            f"{r['cached_rss_mb']:>6.0f}MB"
        )
    print("(speed-up: rank-bm25 get_scores p50 over our whole answer p50, same process size)")
    for r in rows:
        print(
            f"{r['clauses']:,} clauses: answer mean {r['answer_mean_ms']:.2f} ms; CPU per "
            f"question p50 {r['cpu_p50_ms']:.2f} ms, p99 {r['cpu_p99_ms']:.2f} ms, mean "
            f"{r['cpu_mean_ms']:.2f} ms; CLI CPU per question {r['cli_cpu_ms']:.2f} ms"
        )
    # Each in a process of its own: the memos of folded text are the process's, and a second
    # pass over the same questions would find them filled.
    for warm, how in ((1, "as the bot holds it"), (0, "as a one-question ask holds it")):
        times = run_worker("bundled", warm, Path(), 0)["summary"]
        print(f"bundled corpus, dev-set questions, library {how}: answer {times}")
    wall, cpu = cold_start_cpu()
    print(
        "cold start, bundled corpus, process start → first answer, warm cache, median of 5: "
        f"{wall:.2f}s (CPU {cpu:.2f}s)"
    )


def worker_bundled(size: int, work: Path, query_count: int) -> dict[str, Any]:
    """The bundled dev-set timing in this process; `size` 1 for a warmed library."""
    return {"summary": summary(*bundled_answer_times(bool(size)))}


WORKERS = {
    "bundled": worker_bundled,
    "generate": worker_generate,
    "build": worker_build,
    "ours": worker_ours,
    "cli": worker_cli,
    "reference": worker_reference,
}

if __name__ == "__main__":
    main()
