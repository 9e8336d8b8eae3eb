"""Score the library on a JSONL set of questions, references and out-of-scope queries."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.model import Answer
from retrieval.words.normalize import fold_layout


@dataclass(slots=True)
class Tally:
    """Running counts for one kind of query."""

    total: int = 0
    at1: int = 0
    at3: int = 0
    rr: float = 0.0
    abstained: int = 0
    failures: list[str] = field(default_factory=list)


def first_gold_rank(answer: Answer, gold: list[dict[str, Any]]) -> int | None:
    """1-based rank of the first hit whose text contains a gold snippet."""
    snippets = [fold_layout(s) for g in gold for s in g.get("snippets", [])]
    for rank, hit in enumerate(answer.hits, start=1):
        text = fold_layout(hit.clause.text)
        if any(s in text for s in snippets):
            return rank
    return None


def evaluate(path: Path, answer: Callable[[str], Answer]) -> dict[str, Tally]:
    """Run every line of the file through `answer` and tally by kind."""
    tallies: dict[str, Tally] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        tally = tallies.setdefault(case["kind"], Tally())
        tally.total += 1
        result = answer(case["query"])
        if result.status != "ok":
            tally.abstained += 1
        if case.get("expect") in ("abstain", "not_found"):
            ok = result.status == case["expect"] or (
                case["expect"] == "abstain" and result.status != "ok"
            )
            tally.at1 += ok
            tally.at3 += ok
            tally.rr += ok
            if not ok:
                tally.failures.append(f"{case['id']} {case['query']} → {result.status}")
            continue
        rank = first_gold_rank(result, case["gold"])
        tally.at1 += rank == 1
        tally.at3 += rank is not None and rank <= 3
        tally.rr += 1 / rank if rank else 0.0
        if rank != 1:
            top = result.hits[0].clause.label if result.hits else result.status
            tally.failures.append(f"{case['id']} {case['query']} → rank {rank}, top {top}")
    return tallies


def report(tallies: dict[str, Tally]) -> list[str]:
    """The printed figures: R@1, R@3, MRR, reference accuracy, abstain rates."""
    lines = []
    q = tallies.get("question")
    if q and q.total:
        lines.append(
            f"questions      n={q.total:3d}  R@1={q.at1 / q.total:.3f}  "
            f"R@3={q.at3 / q.total:.3f}  MRR={q.rr / q.total:.3f}  "
            f"false-abstain={q.abstained / q.total:.3f}"
        )
    r = tallies.get("clause_ref")
    if r and r.total:
        lines.append(f"references     n={r.total:3d}  accuracy={r.at1 / r.total:.3f}")
    o = tallies.get("out_of_scope")
    if o and o.total:
        lines.append(f"out-of-scope   n={o.total:3d}  abstain={o.abstained / o.total:.3f}")
    return lines
