"""A burst of 1,000 questions from 50 chats to the real `policybot serve` process.

    .venv/bin/python -m benchmarks.burst

The bot polls the local Bot API server of the end-to-end tests over real HTTP. 10 private
chats ask 12 questions each (the per-user limit is 12 a minute) and 40 groups 22 each, all
queued at once. Prints how many were answered, duplicates, reply latency p50/p99,
throughput and the bot's worst event-loop stall. Telegram allows a bot 20 messages a minute
in one group, and the bot's per-chat rate limiter keeps to that, so each group's last
answers wait for the next minute: the p99 shows that pacing, not slowness.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path

from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.test_serve import TOKEN, serve, serve_log, wait_until

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = [
    "公共数据授权运营情况要公开吗",
    "数据跨境流动怎么管理",
    "网络安全态势感知",
    "个人信息保护",
    "政务云平台怎么建设",
    "数据交易场所",
    "数据二十条第十条",
    "数字政府 2.3",
    "中小企业数据安全",
    "数据产权制度",
    "一网通办",
    "今年端午节放几天假",
    "数据要素收益分配",
    "公共数据开放",
]
PRIVATE_CHATS, PRIVATE_EACH = 10, 12
GROUP_CHATS, GROUP_EACH = 40, 22


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    with FakeServer() as server, tempfile.TemporaryDirectory() as work:
        process = serve(server.root, TOKEN, Path(work))
        try:
            wait_until(lambda: server.api.calls_of("getUpdates"), seconds=60)
            asked: dict[tuple[int, int], float] = {}
            plan = []
            for n in range(PRIVATE_CHATS):
                user = server.api.user(10_000 + n)
                plan += [
                    (server.api.private(10_000 + n), user, q)
                    for q in (QUESTIONS * 2)[n : n + PRIVATE_EACH]
                ]
            for g in range(GROUP_CHATS):
                group = server.api.group(-40_000 - g)
                plan += [
                    (
                        group,
                        server.api.user(20_000 + g * 100 + j),
                        f"/ask {QUESTIONS[(g + j) % len(QUESTIONS)]}",
                    )
                    for j in range(GROUP_EACH)
                ]
            started = time.monotonic()
            for chat, user, text in plan:
                message = server.api.send(chat, user, text)
                asked[(chat["id"], message["message_id"])] = time.monotonic()
            wait_until(lambda: len(answered(server)) >= len(asked), seconds=600)
            replies = answered(server)
            latencies = [replies[key][0] - asked[key] for key in asked if key in replies]
            duplicates = sum(
                1 for texts in replies.values() if len(texts[1]) != len(set(texts[1]))
            )
            finished = max(r[0] for r in replies.values())
        finally:
            process.terminate()
            process.wait(timeout=30)
        lags = [
            float(x) for x in re.findall(r"event loop lag: max ([\d.]+) ms", serve_log(Path(work)))
        ]
    print(
        f"questions: {len(asked)} from {PRIVATE_CHATS + GROUP_CHATS} chats; "
        f"answered: {len(latencies)}; answered twice: {duplicates}"
    )
    print(
        f"reply latency: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.0f} ms, "
        f"mean {statistics.mean(latencies) * 1000:.0f} ms"
    )
    print(
        f"throughput: {len(latencies) / (finished - started):.1f} answers/s "
        f"({finished - started:.1f} s for the burst)"
    )
    if lags:
        print(
            f"event loop: worst stall {max(lags):.1f} ms (10-second windows: "
            + ", ".join(f"{x:.0f}" for x in lags)
            + " ms)"
        )


def answered(server: FakeServer) -> dict[tuple[int, int], tuple[float, list[str]]]:
    """First reply time and all reply texts, per asked message."""
    out: dict[tuple[int, int], tuple[float, list[str]]] = {}
    for message in server.api.sent():
        original = message.get("reply_to_message")
        if not original:
            continue
        key = (message["chat"]["id"], original["message_id"])
        first, texts = out.get(key, (message["sent_at"], []))
        out[key] = (min(first, message["sent_at"]), [*texts, message["text"]])
    return out


if __name__ == "__main__":
    main()
