"""Cold start: process start → first printed answer of `policybot ask`, bundled corpus, warm cache.

.venv/bin/python -m benchmarks.cold_start          # median of 5 (target ≤ 0.6 s)
.venv/bin/python -X importtime -m bot.cli ask 数据安全 --json 2> imports.txt  # where it goes
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cold_start(runs: int = 5) -> float:
    """Median seconds over `runs` starts, after one start that writes the cache."""
    return cold_start_cpu(runs)[0]


def cold_start_cpu(runs: int = 5) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (user + system) of the `policybot ask`
    process over `runs` starts: on a shared machine the wall figure carries the other jobs'
    load, the CPU figure does not."""
    times, cpu = [], []
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "POLICYBOT_DATA_DIR": data}
        command = [sys.executable, "-m", "bot.cli", "ask", "数据安全", "--json"]
        subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


if __name__ == "__main__":
    wall, cpu = cold_start_cpu()
    print(f"cold start, bundled corpus, warm cache, median of 5: {wall:.2f}s (CPU {cpu:.2f}s)")
