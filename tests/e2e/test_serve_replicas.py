"""Two `serve --webhook` replicas on one PostgreSQL behind one webhook URL, as behind a load
balancer: the local Bot API server posts each update to the next replica in turn."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from bot import texts
from bot.store.store import Store
from tests.e2e.fake_bot_api import FakeServer
from tests.e2e.harness import (
    CHAT,
    PART_2,
    PART_3,
    SECRET,
    TOKEN,
    free_port,
    sends,
    serve,
    serve_log,
    three_part_policy,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("database", ["postgresql"], indirect=True)]
PUBLIC_URL = "https://bot.example.org/telegram/hook"  # what both replicas register
QUESTIONS = ("数据二十条第十条", "数据二十条第一条", "数据二十条第二条", "数据二十条第三条")


@dataclass
class Replicas:
    """Named `serve --webhook` processes, each with its own port and data directory."""

    server: FakeServer
    tmp_path: Path
    database: str
    extra: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        """Where the load balancer reaches this replica's webhook route."""
        return f"http://127.0.0.1:{self.ports[name]}/telegram/hook"

    def start(self, *names: str) -> None:
        """Start the replicas (a restarted one keeps its port) and wait until all are healthy."""
        for name in names:
            self.ports.setdefault(name, free_port())
            self.processes[name] = serve(
                self.server.root,
                TOKEN,
                self.tmp_path,
                "--webhook",
                POLICYBOT_DATA_DIR=str(self.tmp_path / name),
                POLICYBOT_DATABASE_URL=self.database,
                POLICYBOT_WEBHOOK_URL=PUBLIC_URL,
                POLICYBOT_WEBHOOK_LISTEN="127.0.0.1",
                POLICYBOT_WEBHOOK_PORT=str(self.ports[name]),
                POLICYBOT_WEBHOOK_SECRET=SECRET,
                POLICYBOT_WEBHOOK_KEEP_ON_STOP="true",
                **self.extra,
            )
        self.server.api.targets[:] = [self.url(n) for n in sorted(self.ports)]
        for name in names:
            wait_until(lambda name=name: self.healthy(name), seconds=60)

    def healthy(self, name: str) -> bool:
        try:
            reply = httpx.get(f"http://127.0.0.1:{self.ports[name]}/healthz", trust_env=False)
        except httpx.HTTPError:
            return False
        return reply.status_code == 200

    def which(self, update_id: int) -> str:
        """The replica that took the update (answered 200)."""
        [url] = [
            u for i, u, status in self.server.api.deliveries if i == update_id and status == 200
        ]
        return next(n for n in self.ports if self.url(n) == url)

    def stop(self, name: str) -> int:
        self.processes[name].terminate()
        return self.processes[name].wait(timeout=30)

    def kill(self, name: str) -> None:
        self.processes[name].kill()
        self.processes[name].wait(timeout=20)


@pytest.fixture
def replicas(server: FakeServer, tmp_path: Path, database: str) -> Iterator[Replicas]:
    running = Replicas(server, tmp_path, database)
    try:
        yield running
    finally:
        for process in running.processes.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def say(server: FakeServer, chat_id: int, text: str, expect: str) -> int:
    """A user's message, answered with `expect`; returns the update id it came in."""
    before = len(server.api.sent(chat_id))
    server.api.send(server.api.private(chat_id), server.api.user(chat_id), text)
    update_id = server.api.next_update - 1
    wait_until(
        lambda: (
            len(server.api.sent(chat_id)) > before
            and expect in server.api.sent(chat_id)[-1]["text"]
        )
    )
    return update_id


def test_every_question_is_answered_exactly_once_by_one_of_the_replicas(
    server: FakeServer, replicas: Replicas
) -> None:
    replicas.start("a", "b")
    chats = range(701, 706)
    asked = [
        server.api.send(server.api.private(c), server.api.user(c), q)
        for q in QUESTIONS
        for c in chats
    ]
    wait_until(lambda: all(len(server.api.sent(c)) >= len(QUESTIONS) for c in chats), 60)
    assert len(asked) == 20
    wait_until(lambda: not server.api.updates)  # nothing left to deliver…
    answered = Counter(
        (m["chat"]["id"], m["reply_to_message"]["message_id"])
        for m in server.api.sent()
        if "reply_to_message" in m
    )
    assert answered == Counter((m["chat"]["id"], m["message_id"]) for m in asked)
    # …and the load balancer really did spread the questions over both replicas.
    assert {url for _, url, status in server.api.deliveries if status == 200} == {
        replicas.url("a"),
        replicas.url("b"),
    }


def test_a_subscription_made_through_one_replica_is_shown_by_the_other(
    server: FakeServer, replicas: Replicas
) -> None:
    replicas.start("a", "b")
    made = say(server, 711, "/subscribe 07:45 数据要素 人工智能", "已订阅")
    shown = say(server, 711, "/subscribe", "07:45")
    assert replicas.which(made) != replicas.which(shown)
    assert "数据要素" in server.api.sent(711)[-1]["text"]
    gone = say(server, 711, "/unsubscribe", "已取消每日推送")
    assert replicas.which(gone) != replicas.which(shown)
    say(server, 711, "/unsubscribe", "没有开启的每日推送")


def test_both_replicas_catching_up_send_each_chats_digest_once(
    server: FakeServer, replicas: Replicas
) -> None:
    replicas.start("a", "b")
    chats = (721, 722, 723)
    for chat in chats:
        say(server, chat, "/subscribe 00:00", "已订阅")
    # Both restart together: each one's start-up catch-up runs the daily job of every chat.
    assert (replicas.stop("a"), replicas.stop("b")) == (0, 0)
    assert server.api.webhook is not None  # kept for the other replicas
    replicas.start("a", "b")
    wait_until(lambda: all(digests(server, c) for c in chats), 60)
    say(server, chats[0], "数据二十条第十条", "（十）")  # both have run their catch-up by now
    say(server, chats[0], "数据二十条第一条", "（一）")
    assert [digests(server, c) for c in chats] == [1, 1, 1]


def test_a_replica_killed_mid_digest_is_finished_once_by_the_other_and_not_after_restart(
    server: FakeServer, replicas: Replicas, tmp_path: Path
) -> None:
    replicas.extra["POLICYBOT_CORPUS_DIR"] = str(three_part_policy(tmp_path / "corpus"))
    replicas.start("a", "b")
    say(server, CHAT, "/subscribe 00:00 甲类事项 乙类事项", "已订阅")
    server.api.hold("sendMessage", "政策日报", 15)
    server.api.send(server.api.private(CHAT), server.api.user(CHAT), "/digest")
    wait_until(lambda: server.api.held)
    sender = replicas.which(server.api.next_update - 1)
    replicas.kill(sender)  # SIGKILL while Telegram is still receiving part 1
    server.api.holds.clear()
    other = "b" if sender == "a" else "a"
    # The dead sender's hold died with its connection: the survivor takes over the rest.
    server.api.send(server.api.private(CHAT), server.api.user(CHAT), "/digest")
    wait_until(lambda: sends(server, PART_3))
    assert replicas.which(server.api.next_update - 1) == other
    replicas.start(sender)  # its start-up catch-up finds the day done
    first = say(server, CHAT, "/digest", "已经发送过")
    second = say(server, CHAT, "/digest", "已经发送过")
    assert {replicas.which(first), replicas.which(second)} == {"a", "b"}
    assert (sends(server, "政策日报"), sends(server, PART_2), sends(server, PART_3)) == (1, 1, 1)
    assert "Traceback" not in serve_log(tmp_path)


def test_a_replica_stopping_keeps_the_webhook_for_the_other(
    server: FakeServer, replicas: Replicas
) -> None:
    replicas.start("a", "b")
    assert replicas.stop("a") == 0
    assert server.api.webhook is not None
    assert not server.api.calls_of("deleteWebhook")
    say(server, 731, "数据二十条第十条", "（十）")  # the balancer's retry reaches b


def stored_state(database: str, chat_id: int) -> str:
    """The chat's state as the replicas stored it (empty before the first flush)."""
    store = Store(database)
    try:
        return store.chat_state(chat_id) or ""
    finally:
        store.close()


def test_a_more_button_pressed_on_the_other_replica_pages_that_question(
    server: FakeServer, replicas: Replicas
) -> None:
    replicas.start("a", "b")
    user, chat = server.api.user(741), server.api.private(741)
    questions = ("数据安全托管服务", "数据资产登记", "公共数据授权运营")
    asked = [server.api.send(chat, user, q) for q in questions]
    wait_until(lambda: len(server.api.sent(741)) == 3)
    # Both replicas took questions in this chat: each flushed its own, merged into one row.
    wait_until(lambda: all(q in stored_state(replicas.database, 741) for q in questions))
    first = next(m for m in server.api.sent(741) if m["reply_to_message"] == asked[0])
    [more] = [
        b["callback_data"]
        for row in first["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "更多结果"
    ]
    server.api.press(first, more, user)  # the question went to one replica, this to the other
    pressed = server.api.next_update - 1
    wait_until(lambda: len(server.api.sent(741)) == 4)
    assert replicas.which(pressed) != replicas.which(pressed - 3)
    page = server.api.sent(741)[-1]["text"]
    assert page != texts.EXPIRED
    assert page.splitlines()[0] != first["text"].splitlines()[0]


def test_a_bare_clause_number_on_the_other_replica_follows_the_chat_document(
    server: FakeServer, replicas: Replicas
) -> None:
    replicas.start("a", "b")
    first = say(server, 742, "数据二十条第十条", "（十）")
    wait_until(lambda: "data20" in stored_state(replicas.database, 742))
    second = say(server, 742, "第九条", "（九）")
    assert replicas.which(first) != replicas.which(second)
    reply = server.api.sent(742)[-1]["text"]
    assert not reply.startswith(texts.AMBIGUOUS)  # both documents have a （九）: one is meant
    assert reply.startswith(
        "《中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见》（九）"
    )


def digests(server: FakeServer, chat_id: int) -> int:
    """Daily digests (their first parts) the bot sent to the chat."""
    calls = server.api.calls_of("sendMessage")
    return sum(
        "政策日报" in str(c.get("text", "")) and int(c["chat_id"]) == chat_id for c in calls
    )


def test_a_replica_stopping_in_a_flood_answers_every_update_it_took(
    server: FakeServer, replicas: Replicas, tmp_path: Path
) -> None:
    # 60 questions a second from 300 users; SIGTERM to one replica 3.5 s in. It refuses new
    # updates (503: the balancer gives them to the other) and answers all it said 200 to.
    # Each answer takes Telegram 3 s to accept: ~90 updates are in each replica at once, more
    # than its 64 slots, so some wait for a slot when the stop comes, as under a real load.
    replicas.start("a", "b")
    server.api.hold("sendMessage", "", 3.0)
    chats = range(20_000, 20_300)
    stopping = None
    started = time.monotonic()
    for n, chat in enumerate(chats):
        time.sleep(max(0.0, started + n / 60 - time.monotonic()))
        server.api.send(server.api.private(chat), server.api.user(chat), QUESTIONS[n % 4])
        if n == 210:
            replicas.processes["a"].terminate()
            stopping = time.monotonic()
    assert stopping is not None
    assert replicas.processes["a"].wait(timeout=30) == 0
    wait_until(lambda: all(server.api.sent(c) for c in chats), 90)
    answered = Counter(m["chat"]["id"] for m in server.api.sent() if m["chat"]["id"] in chats)
    assert set(answered) == set(chats)
    assert set(answered.values()) == {1}
    took = [
        u for u, url, status in server.api.deliveries if status == 200 and url == replicas.url("a")
    ]
    assert took  # a took its share before the stop
    log = serve_log(tmp_path)
    assert "not answered" not in log
    assert "Traceback" not in log
