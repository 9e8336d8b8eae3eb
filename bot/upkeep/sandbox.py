"""Parse an uploaded file in a child process with memory and time limits.

A crafted file (a .docx of three million empty paragraphs, a PDF of a million pages) can take
gigabytes and minutes to parse; in the bot's own process that stalls every chat and outlives
SIGTERM. In a child it costs one error reply: the child is killed at its limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
from dataclasses import dataclass

MEMORY_BYTES = 1 << 30  # address space of the child: ample for a 20 MB upload, far from 24 GB
SECONDS = 60.0  # wall clock; the CPU limit below is the same, so a busy loop ends too


class ParseFailed(Exception):
    """The child ran out of memory or time, or died: the file is refused as unreadable."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """What the child found: documents (title, kind, clause count) and problems."""

    documents: tuple[tuple[str, str, int], ...]
    problems: tuple[str, ...]


async def parse_upload(
    name: str, data: bytes, memory: int = MEMORY_BYTES, seconds: float = SECONDS
) -> Parsed:
    """Parse `data` as the corpus would, in a child process; ParseFailed past the limits."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.upkeep.sandbox",
        name,
        str(memory),
        str(int(seconds) + 1),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        out, _ = await asyncio.wait_for(child.communicate(data), seconds)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        await child.wait()
        raise ParseFailed(f"解析超过 {seconds:.0f} 秒") from None
    if child.returncode != 0:
        raise ParseFailed("解析时超出内存或时间限制")
    try:
        found = json.loads(out)
        return Parsed(
            tuple((str(t), str(k), int(n)) for t, k, n in found["documents"]),
            tuple(str(p) for p in found["problems"]),
        )
    except (ValueError, KeyError, TypeError):
        raise ParseFailed("解析结果无法读取") from None


def _child(name: str, memory: int, seconds: int) -> None:
    """The child's side: limits first, then parse stdin and print JSON."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    from retrieval.corpus import parse_file

    copies, problems = parse_file(name, sys.stdin.buffer.read())
    found = {
        "documents": [[c.title, c.kind, len(c.clauses)] for c in copies],
        "problems": [p.message for p in problems],
    }
    sys.stdout.write(json.dumps(found, ensure_ascii=False))


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
