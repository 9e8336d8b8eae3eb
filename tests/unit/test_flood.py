"""The per-user flood gate: answers up to the limit, then one notice a window, then silence."""

from __future__ import annotations

from bot.flood import FloodGate


def test_answers_up_to_the_limit_in_a_window() -> None:
    gate = FloodGate(limit=3, window=60.0)
    assert [gate.check(1, now=t).action for t in (0.0, 1.0, 2.0)] == ["answer"] * 3


def test_over_the_limit_one_notice_then_drops() -> None:
    gate = FloodGate(limit=2, window=60.0)
    actions = [gate.check(1, now=float(t)).action for t in range(6)]
    assert actions == ["answer", "answer", "notice", "drop", "drop", "drop"]


def test_the_notice_says_how_long_to_wait() -> None:
    gate = FloodGate(limit=1, window=60.0)
    gate.check(1, now=10.0)
    assert gate.check(1, now=25.0).wait == 45.0


def test_a_new_window_answers_again_and_may_notice_again() -> None:
    gate = FloodGate(limit=1, window=60.0)
    assert gate.check(1, now=0.0).action == "answer"
    assert gate.check(1, now=1.0).action == "notice"
    assert gate.check(1, now=61.0).action == "answer"
    assert gate.check(1, now=62.0).action == "notice"


def test_users_are_limited_separately() -> None:
    gate = FloodGate(limit=1, window=60.0)
    gate.check(1, now=0.0)
    assert gate.check(2, now=0.5).action == "answer"
