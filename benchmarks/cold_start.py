"""Cold start: process start → first printed answer of `policybot ask`, bundled corpus, warm cache.

.venv/bin/python -m benchmarks.cold_start          # median of 5 (target ≤ 0.7 s)
.venv/bin/python -X importtime -m bot.cli ask 数据安全 --json 2> imports.txt  # where it goes
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cold_start(runs: int = 5) -> float:
    """Median seconds over `runs` starts, after one start that writes the cache."""
    times = []
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "POLICYBOT_DATA_DIR": data}
        command = [sys.executable, "-m", "bot.cli", "ask", "数据安全", "--json"]
        subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    print(f"cold start, bundled corpus, warm cache, median of 5: {cold_start():.2f}s")
