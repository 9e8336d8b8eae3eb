"""The built wheel, installed into a fresh venv outside the checkout, runs the bot.

Only `make install` (editable) used to be tested, so a wheel missing bot/telegram/ and the
seeds went unnoticed. The venv gets the wheel alone (--no-deps); its dependencies come from
this venv's site-packages through a .pth line, so nothing is downloaded and it stays fast.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import TOKEN, wait_until

pytestmark = pytest.mark.e2e
CHECKOUT = Path(__file__).resolve().parents[2]
# What a fresh clone would not hold; everything else is copied as it is.
BUILD_LEFTOVERS = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "node_modules"
)


def not_source(directory: str, names: list[str]) -> set[str]:
    """Build leftovers anywhere, and the checkout's own data/ (config/data/ is source)."""
    ignored = set(BUILD_LEFTOVERS(directory, names))
    return ignored | ({"data"} if Path(directory) == CHECKOUT else set())


@dataclass(frozen=True)
class Installed:
    """A venv holding only the policybot wheel, and a home and working directory for it."""

    venv: Path
    home: Path
    workdir: Path

    @property
    def policybot(self) -> Path:
        return self.venv / "bin" / "policybot"

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment: no POLICYBOT_* setting, no checkout on sys.path."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("POLICYBOT_", "PYTHON", "VIRTUAL_ENV", "XDG_DATA_HOME"))
        }
        env.update(HOME=str(self.home), NO_PROXY="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
        env.update(extra)
        return env

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.policybot), *args],
            input=stdin,
            env=self.env(),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    shutil.copytree(CHECKOUT, source, ignore=not_source)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "--wheel-dir", str(root / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    [wheel] = (root / "dist").glob("policybot-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # Dependencies from this venv, looked at after the wheel's own site-packages.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "dev-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    (root / "home").mkdir()
    (root / "elsewhere").mkdir()
    return Installed(venv, root / "home", root / "elsewhere")


def test_the_wheel_holds_every_package_and_the_seeds_byte_for_byte(installed: Installed) -> None:
    probe = (
        "import bot, bot.telegram.app, seeds, sys; from pathlib import Path;"
        "print(Path(bot.__file__).resolve()); print(list(seeds.__path__)[0])"
    )
    result = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", probe],
        env=installed.env(),
        cwd=installed.workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    bot_file, seeds_dir = map(Path, result.stdout.split("\n")[:2])
    assert bot_file.is_relative_to(installed.venv)  # not the checkout
    shipped = {p.name: p.read_bytes() for p in seeds_dir.iterdir() if p.suffix == ".txt"}
    bundled = {p.name: p.read_bytes() for p in (CHECKOUT / "seeds").iterdir()}
    assert shipped == bundled


def test_installed_ask_answers_from_the_bundled_corpus_in_any_directory(
    installed: Installed,
) -> None:
    result = installed.run("ask", "数据二十条第十条")
    assert result.returncode == 0, result.stderr
    assert "（十）" in result.stdout.splitlines()[0]
    # Its caches go to the user's data directory, not into site-packages or the cwd.
    assert (installed.home / ".local" / "share" / "policybot" / "cache").is_dir()
    assert list(installed.workdir.iterdir()) == []


def test_installed_chat_answers_a_question_from_stdin(installed: Installed) -> None:
    result = installed.run("chat", stdin="数据二十条第十条\n")
    assert result.returncode == 0, result.stderr
    assert "（十）" in result.stdout


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        yield running


def test_installed_serve_answers_through_the_bot_api_and_stops_cleanly(
    installed: Installed, server: FakeServer, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [str(installed.policybot), "serve"],
            env=installed.env(
                POLICYBOT_TELEGRAM_TOKEN=TOKEN,
                POLICYBOT_TELEGRAM_BASE_URL=server.root,
                POLICYBOT_DATA_DIR=str(tmp_path / "data"),
            ),
            cwd=installed.workdir,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        server.api.send(server.api.private(77), server.api.user(77), "数据二十条第十条")
        wait_until(lambda: server.api.sent(77) or process.poll() is not None, seconds=60)
        assert process.poll() is None, log.read_text(encoding="utf-8")
        [reply] = server.api.sent(77)
        assert "（十）" in reply["text"]
    finally:
        started = time.monotonic()
        process.terminate()
        status = process.wait(timeout=30)
    assert status == 0, log.read_text(encoding="utf-8")
    assert time.monotonic() - started < 15
    assert "Traceback" not in log.read_text(encoding="utf-8")
