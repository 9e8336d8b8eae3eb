"""requirements.lock, the image's pinned dependencies, covers what pyproject.toml asks for."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def pins() -> dict[str, str]:
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    found = [re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line) for line in lines]
    assert all(m or line.startswith("#") or not line for m, line in zip(found, lines, strict=True))
    return {canonicalize_name(m.group(1)): m.group(2) for m in found if m}


def test_every_dependency_is_pinned_within_the_bounds_pyproject_sets() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = pins()
    for line in project["dependencies"]:
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in pinned, f"{wanted.name} is not in requirements.lock (make lock)"
        assert wanted.specifier.contains(pinned[name]), f"{name}=={pinned[name]} ∉ {line}"
        for extra in wanted.extras:  # psycopg[binary] → psycopg-binary, and so on
            if extra == "binary":
                assert f"{name}-binary" in pinned


def test_the_image_installs_the_lock_and_nothing_else() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--requirement /src/requirements.lock" in dockerfile
    assert "--no-deps /src" in dockerfile
