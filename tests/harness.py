"""What tests at every level share: where the fixtures and the shared material are, the CLI."""

from __future__ import annotations

import io
from pathlib import Path

from bot.cli import main

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXTRA_REGULATION = SHARED / "corpus-extra" / "上海市社会信用条例(2017-06-23).md"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()
