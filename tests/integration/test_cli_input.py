"""What the CLI does with awkward input: traditional characters and bytes that are not UTF-8."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from bot.cli import main


def test_a_clause_number_in_traditional_characters_resolves() -> None:
    out = io.StringIO()
    assert main(["clause", "數據二十條第十條", "--json"], out=out) == 0
    answer = json.loads(out.getvalue())
    assert answer["status"] == "ok"
    assert [(h["doc_id"], h["section"]) for h in answer["hits"]] == [("data20", "（十）")]


@pytest.mark.parametrize(
    "env",
    [
        {"LC_ALL": "C.UTF-8"},  # Python reads stdin with surrogateescape: raw bytes came back
        {"PYTHONIOENCODING": "utf-8"},  # strict decoding: a UnicodeDecodeError traceback
    ],
)
def test_invalid_utf8_on_stdin_is_replaced_never_echoed_raw(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "-"],
        input=b"\xff\xfe\xe6\x95\xb0\xe6\x8d\xae\xe5\xae\x89\xe5\x85\xa8\n\xc3(\n",
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )
    assert done.returncode == 0
    assert b"Traceback" not in done.stderr
    assert b"\xff" not in done.stdout
    lines = done.stdout.decode("utf-8").splitlines()  # strict: valid UTF-8 throughout
    queries = [json.loads(line)["query"] for line in lines]
    assert queries == ["\ufffd\ufffd数据安全", "\ufffd("]
