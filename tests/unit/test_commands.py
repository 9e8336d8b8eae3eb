"""/help, the Telegram command menu and the README list come from one table and agree."""

from __future__ import annotations

import re
from pathlib import Path

from bot.commands import COMMANDS, help_html, menu

README = Path(__file__).resolve().parents[2] / "README.md"


def test_help_lists_every_command() -> None:
    text = help_html()
    assert all(f"/{c.name}" in text for c in COMMANDS)


def test_menu_is_the_table() -> None:
    assert [name for name, _ in menu()] == [c.name for c in COMMANDS]
    assert all(1 <= len(description) <= 256 for _, description in menu())


def test_readme_lists_the_same_bot_commands() -> None:
    section = README.read_text(encoding="utf-8").split("## Telegram bot", 1)[1].split("\n## ")[0]
    listed = re.findall(r"^\| `/(\w+)", section, flags=re.M)
    assert listed == [c.name for c in COMMANDS]
