"""Forty groups flood the real `policybot serve` at once; how long a private chat and a quiet group
wait for their answers meanwhile (issue 24).

    .venv/bin/python -m benchmarks.group_flood [rounds]

The bot polls the local Bot API server of the end-to-end tests over real HTTP. Each round, 40
new groups get 5 questions each from their members, all at once: 200 replies, ~7 s of sending
at Telegram's 30 messages a second. Once the replies are going out, one private chat and one
quiet group each ask a question. Prints, per round, their seconds to the answer and whether
every group question got exactly one answer; then the median and worst.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.burst import QUESTIONS
from tests.e2e.fake_bot_api import FakeBotApi, FakeServer
from tests.e2e.test_serve import TOKEN, serve, wait_until

GROUPS, EACH = 40, 5


def one_round(api: FakeBotApi, number: int) -> tuple[float, float, bool]:
    """(private seconds, quiet group seconds, every group question answered exactly once)."""
    base = -1_000_000 * (number + 1)
    groups = [api.group(base - g) for g in range(GROUPS)]
    asked = []
    for j in range(EACH):
        for g, group in enumerate(groups):
            user = api.user(1_000_000 * (number + 1) + g * EACH + j)
            question = QUESTIONS[(g + j) % len(QUESTIONS)]
            asked.append(api.send(group, user, f"/ask {question}"))
    in_flood = {group["id"] for group in groups}

    def flood_replies() -> list[dict[str, Any]]:
        return [m for m in api.sent() if m["chat"]["id"] in in_flood]

    wait_until(lambda: len(flood_replies()) >= GROUPS // 2, seconds=60)
    person, quiet = 500 + number, base + 999_000
    started = time.monotonic()
    api.send(api.private(person), api.user(person), "数据二十条第十条")
    api.send(api.group(quiet, "小群"), api.user(person + 1000), "/ask 数据二十条第十条")
    [private] = wait_until(lambda: api.sent(person), seconds=60)
    [group] = wait_until(lambda: api.sent(quiet), seconds=60)
    wait_until(lambda: len(flood_replies()) >= len(asked), seconds=120)
    time.sleep(0.5)  # any second answer would be here by now
    answered = [(m["chat"]["id"], m["reply_to_message"]["message_id"]) for m in flood_replies()]
    once = sorted(answered) == sorted((m["chat"]["id"], m["message_id"]) for m in asked)
    return private["sent_at"] - started, group["sent_at"] - started, once


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    privates, quiets = [], []
    with FakeServer() as server, tempfile.TemporaryDirectory() as work:
        process = serve(server.root, TOKEN, Path(work))
        try:
            api = server.api
            api.send(api.private(1), api.user(1), "数据二十条第十条")
            wait_until(lambda: api.sent(1), seconds=60)  # started and answering
            for number in range(rounds):
                private, quiet, once = one_round(api, number)
                privates.append(private)
                quiets.append(quiet)
                print(
                    f"round {number + 1}: {GROUPS} groups x {EACH} questions; private answer "
                    f"{private:.2f} s, quiet group {quiet:.2f} s; "
                    f"each group question answered exactly once: {once}"
                )
        finally:
            process.terminate()
            process.wait(timeout=30)
    for name, values in (("private", privates), ("quiet group", quiets)):
        print(
            f"{name}: median {statistics.median(values):.2f} s, worst {max(values):.2f} s "
            f"over {rounds} rounds"
        )


if __name__ == "__main__":
    main()
