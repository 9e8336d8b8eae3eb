"""The big library's build, start and reload figures: seeds + every law of ../shared/laws.

    .venv/bin/python -m benchmarks.library_build [--laws ../shared/laws] [--runs 3]
    .venv/bin/python -m benchmarks.library_build --warm-only --work /tmp/laws-warm [--runs 5]

Prints, each measured in a fresh process on a copy of the laws made at run time:
- first build (empty cache): seconds and peak RSS (the build process and, apart, its
  segmenting workers);
- warm start: `policybot ask` one question, process start to printed answer (median, wall
  and the child's CPU time); alone with --warm-only, where --work keeps the copy and its cache
  between runs (the first run builds it once);
- one file added / changed / removed: seconds until the new library answers a question, as
  the bot's reloader makes it: in a process already answering from the library (loaded from
  its cache, untimed), `Library.load(previous=that library)` patches the cache (only that file
  segmented) and answers; median of the runs, wall and CPU, each run undone (untimed) before
  the next. `--merge` times the full merge of the kept segments instead (the way before);
  then the first removal of one more process, the thesaurus indexes cached by the ones before;
- memory during a reload: peak RSS while the new library is built beside the one answering,
  against the steady state.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.laws_library import LAWS, copy_corpus
from config.settings import LEXICON_DIR, PROJECT_ROOT
from retrieval.listing import corpus_files

QUESTION = "用人单位解除劳动合同应当支付经济补偿吗"
ADDED = "added-regulation.md"


def rss_mb() -> float:
    """This process's resident set now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(mode: str, corpus: Path, cache: Path, workers: int | None) -> dict[str, float]:
    """One measurement, in this (fresh) process."""
    from retrieval.library import Library, LibraryPaths

    paths = LibraryPaths(corpus, LEXICON_DIR, cache)
    if mode == "build":
        started = time.perf_counter()
        library = Library.load(paths, workers=workers)
        library.answer(QUESTION)
        return {
            "seconds": time.perf_counter() - started,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "workers_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "segmented": library.segmented,
        }
    if mode == "update":  # the corpus has just changed: kept segments, no library cache
        started = time.perf_counter()
        library = Library.load(paths, workers=workers)
        library.answer(QUESTION)
        return {"seconds": time.perf_counter() - started, "segmented": library.segmented}
    if mode in CHANGES:
        return _reloads(mode, corpus, paths, workers)
    # reload: the steady library answering, then the changed corpus built beside it
    library = Library.load(paths, workers=workers)
    library.answer(QUESTION)
    library.citations.build()
    steady = rss_mb()
    (corpus / ADDED).write_text(_regulation(), encoding="utf-8")
    peak = [steady]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    new = Library.load(paths, workers=workers, previous=library)
    new.answer(QUESTION)
    new.citations.build()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    del library
    return {"steady_mb": steady, "peak_mb": peak[0], "seconds": seconds}


CHANGES = ("added", "changed", "removed")


def _changes(corpus: Path) -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    """Each kind of change and its undoing: a regulation added, a law's first 。 made ；
    (a law the library reads, its edition kept; README files are not corpus files), that
    law removed."""
    target = next(p for p in corpus_files(corpus) if p.is_relative_to(corpus / "laws"))
    original = target.read_bytes()
    added = corpus / ADDED
    return {
        "added": (lambda: added.write_text(_regulation(), encoding="utf-8"), added.unlink),
        "changed": (
            lambda: target.write_bytes(original.replace("。".encode(), "；".encode(), 1)),
            lambda: target.write_bytes(original),
        ),
        "removed": (target.unlink, lambda: target.write_bytes(original)),
    }


def _reloads(mode: str, corpus: Path, paths: Any, workers: int | None) -> dict[str, Any]:
    """Runs of one change in this process, as the reloader makes them: wall and CPU."""
    from retrieval.library import Library

    library = Library.load(paths, workers=workers)  # the library answering, from its cache
    library.answer(QUESTION)
    change, undo = _changes(corpus)[mode]
    walls, cpus, segmented, patched = [], [], 0, True
    for _ in range(RUNS[0]):
        change()
        started, cpu = time.perf_counter(), time.process_time()
        new = Library.load(paths, workers=workers, previous=library)
        new.answer(QUESTION)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        segmented, patched = new.segmented, patched and new.patched
        undo()
        library = Library.load(paths, workers=workers, previous=new)  # back, untimed
    return {"walls": walls, "cpus": cpus, "segmented": segmented, "patched": patched}


RUNS = [3]


def _regulation() -> str:
    """A new regulation of twenty articles (its wording from nowhere in the corpus)."""
    articles = "\n\n".join(
        f"第{n}条 试验区管理机构应当在每季度第{n}个工作日前公布第{n}类事项的办理情况。"
        for n in range(1, 21)
    )
    return f"# 某市测试事项管理办法\n\n{articles}\n"


def measure(
    mode: str, corpus: Path, cache: Path, workers: int | None = None, runs: int = 1
) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and read its JSON line."""
    command = [sys.executable, "-m", "benchmarks.library_build", "--child", mode]
    command += [str(corpus), str(cache), "--runs", str(runs)]
    if workers is not None:
        command += ["--workers", str(workers)]
    out = subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True, text=True)
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def warm_start_cpu(corpus: Path, data: Path) -> tuple[float, float]:
    """Wall seconds and the child's CPU seconds (user + system) of one warm start: on a shared
    machine the wall figure carries the other jobs' load, the CPU figure much less of it."""
    env = {**os.environ, "POLICYBOT_CORPUS_DIR": str(corpus), "POLICYBOT_DATA_DIR": str(data)}
    command = [sys.executable, "-m", "bot.cli", "ask", QUESTION, "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def warm_only(laws: Path, work: Path, runs: int) -> None:
    """Only the warm start, on a copy kept in `work` (copied and cached by the first run)."""
    corpus, data = work / "corpus", work / "data"
    if not corpus.is_dir():
        corpus.mkdir(parents=True)
        copy_corpus(laws, corpus)
    data.mkdir(parents=True, exist_ok=True)
    warm_start_cpu(corpus, data)  # builds the cache when there is none, else one more start
    starts = [warm_start_cpu(corpus, data) for _ in range(runs)]
    wall = statistics.median(w for w, _ in starts)
    cpu = statistics.median(c for _, c in starts)
    print(
        f"warm start, policybot ask one question, median of {runs}: {wall:.2f}s (CPU {cpu:.2f}s)"
    )


def _drop_library_cache(cache: Path) -> None:
    """Keep the segments, drop the merged library: what a corpus change leaves behind."""
    for path in cache.iterdir():
        if path.is_dir() and len(path.name) == 64:
            shutil.rmtree(path)


def _merges(corpus: Path, cache: Path, runs: int, workers: int | None) -> None:
    """Each change merged from the kept segments in a fresh process (no library cache)."""
    changes = _changes(corpus)
    for name in CHANGES:
        change, undo = changes[name]
        times = []
        for _ in range(runs):
            change()
            _drop_library_cache(cache)
            result = measure("update", corpus, cache, workers)
            times.append(result["seconds"])
            undo()
        print(
            f"one file {name} (full merge): answerable after {statistics.median(times):.2f}s "
            f"({result['segmented']:.0f} file segmented)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--laws", type=Path, default=LAWS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--merge", action="store_true", help="time full merges (the way before)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "CORPUS", "CACHE"))
    parser.add_argument("--warm-only", action="store_true", help="measure the warm start alone")
    parser.add_argument("--work", type=Path, help="with --warm-only: keep the copy and cache here")
    args = parser.parse_args()
    if args.child:
        mode, corpus, cache = args.child
        RUNS[0] = args.runs
        print(json.dumps(_child(mode, Path(corpus), Path(cache), args.workers)))
        return
    if not args.laws.is_dir():
        raise SystemExit(f"no laws at {args.laws}: nothing to measure")
    if args.warm_only:
        if args.work is not None:
            warm_only(args.laws, args.work, args.runs)
            return
        with tempfile.TemporaryDirectory() as tmp:
            warm_only(args.laws, Path(tmp), args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        corpus, data = Path(tmp) / "corpus", Path(tmp) / "data"
        corpus.mkdir()
        data.mkdir()
        copy_corpus(args.laws, corpus)
        cache = data / "cache"
        first = measure("build", corpus, cache, args.workers)
        print(
            f"first build: {first['seconds']:.1f}s, peak RSS {first['peak_mb']:.0f} MB "
            f"(segmenting workers {first['workers_peak_mb']:.0f} MB each at most), "
            f"{first['segmented']:.0f} files segmented"
        )
        starts = [warm_start_cpu(corpus, data) for _ in range(args.runs)]
        print(
            f"warm start, policybot ask one question: "
            f"{statistics.median(w for w, _ in starts):.2f}s "
            f"(CPU {statistics.median(c for _, c in starts):.2f}s)"
        )
        if args.merge:
            _merges(corpus, cache, args.runs, args.workers)
        else:
            for name in CHANGES:
                got = measure(name, corpus, cache, args.workers, args.runs)
                print(
                    f"one file {name}: answerable after {statistics.median(got['walls']):.2f}s "
                    f"wall, {statistics.median(got['cpus']):.2f}s CPU (median of "
                    f"{len(got['walls'])}: {', '.join(f'{w:.2f}' for w in got['walls'])} s; "
                    f"{got['segmented']} file segmented, "
                    f"{'patched' if got['patched'] else 'merged'})"
                )
            # The first removal of a new process, the thesaurus indexes the one above wrote
            # now read from the cache (words/sources.py): a restarted bot's first change.
            got = measure("removed", corpus, cache, args.workers, 1)
            print(
                f"first removal in a new process, thesaurus indexes cached: "
                f"{got['walls'][0]:.2f}s wall, {got['cpus'][0]:.2f}s CPU"
            )
        measure("update", corpus, cache, args.workers)  # the steady library comes from the cache
        reload = measure("reload", corpus, cache, args.workers)
        (corpus / ADDED).unlink()
        print(
            f"reload (one file added, beside the answering library): {reload['seconds']:.2f}s, "
            f"RSS {reload['steady_mb']:.0f} MB steady, {reload['peak_mb']:.0f} MB peak "
            f"= {reload['peak_mb'] / reload['steady_mb']:.2f}x"
        )


if __name__ == "__main__":
    main()
