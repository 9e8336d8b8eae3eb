"""The command table: the one source for handlers, /help and the Telegram command menu."""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot import texts


@dataclass(frozen=True, slots=True)
class Command:
    """A bot command, its argument hint and its Chinese description."""

    name: str
    args: str
    description: str


COMMANDS: tuple[Command, ...] = (
    Command("start", "", "开始使用"),
    Command("help", "", "命令与用法"),
    Command("ask", "<问题>", "提问，回答引用条款原文"),
    Command("clause", "<编号>", "按编号查条款，如 数据二十条第十条"),
    Command("docs", "", "收录的文件"),
    Command("toc", "<文件>", "文件目录"),
    Command("diff", "<文件>", "比较文件新旧两版：新增、删除、修改的条款"),
    Command("subscribe", "[HH:MM] [关键词…]", "订阅每日推送；不带参数查看当前设置"),
    Command("unsubscribe", "", "取消每日推送"),
    Command("digest", "", "立即发送今日推送"),
    Command("summary", "on|off", "开关本会话的模型摘要（默认开启，需配置 LLM）"),
    Command("reload", "", "管理员：重新载入文件库"),
    Command("remove", "<文件>", "管理员：从文件库删除文件（需确认）"),
)


def help_html() -> str:
    """The /help text, generated from the command table."""
    lines = [texts.HELP_HEADER]
    for command in COMMANDS:
        args = f" {html.escape(command.args)}" if command.args else ""
        lines.append(f"/{command.name}{args} — {html.escape(command.description)}")
    return "\n".join(lines) + "\n" + texts.HELP_FOOTER + texts.HELP_MORE


def menu() -> list[tuple[str, str]]:
    """(command, description) pairs for setMyCommands."""
    return [(c.name, c.description) for c in COMMANDS]
