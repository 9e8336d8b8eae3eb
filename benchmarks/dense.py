"""A small dual encoder learned here (round 7 of issue 22): bag of hashed features → vector.

A text is the set of its features — the search tokens the index uses (jieba, search mode,
stop words dropped) and its Chinese character bigrams — hashed into `BUCKETS` rows of an
embedding table; its vector is the sum of those rows, L2-normalised. One table serves
questions and clauses (a shared word starts out as a match). Trained with numpy only:
in-batch-negative softmax (InfoNCE, both directions) and row-wise sparse Adagrad.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from retrieval.words.normalize import fold_for_search
from retrieval.words.tokenize import Tokenizer

BUCKETS = 1 << 18
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]


def features(text: str, tokenizer: Tokenizer, buckets: int = BUCKETS) -> Ints:
    """A text's distinct hashed features: its search tokens and its character bigrams."""
    folded = tokenizer.translate(fold_for_search(text))
    keys = {"w" + t for t in tokenizer.own_tokens(folded)}
    for run in _CJK_RUN.findall(folded):
        keys.update("b" + run[i : i + 2] for i in range(len(run) - 1))
    return np.array(sorted({zlib.crc32(k.encode()) % buckets for k in keys}), np.int64)


def encode(table: Floats, bags: Sequence[Ints]) -> Floats:
    """Unit vectors of feature bags (a bag with no features → the zero vector)."""
    out = np.zeros((len(bags), table.shape[1]), np.float32)
    for n, bag in enumerate(bags):
        if len(bag):
            v = table[bag].astype(np.float32).sum(0)
            out[n] = v / (np.linalg.norm(v) + 1e-9)
    return out


@dataclass(frozen=True, slots=True)
class Setting:
    """How a table is trained."""

    dim: int = 64
    temperature: float = 0.05
    batch: int = 512
    rate: float = 0.05
    seed: int = 7


def _sums(table: Floats, bags: Sequence[Ints]) -> tuple[Floats, Ints, Ints]:
    lengths = np.array([len(b) for b in bags], np.int64)
    index = np.concatenate(bags)
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    return np.add.reduceat(table[index], starts, axis=0), index, lengths


def step(
    table: Floats, accum: Floats, questions: Sequence[Ints], clauses: Sequence[Ints], s: Setting
) -> float:
    """One InfoNCE step over a batch of (question, clause) bags; returns the loss."""
    q, q_index, q_len = _sums(table, questions)
    c, c_index, c_len = _sums(table, clauses)
    q_norm = np.linalg.norm(q, axis=1, keepdims=True) + 1e-6
    c_norm = np.linalg.norm(c, axis=1, keepdims=True) + 1e-6
    qn, cn = q / q_norm, c / c_norm
    scores = qn @ cn.T / s.temperature
    n = len(scores)
    rows = np.exp(scores - scores.max(1, keepdims=True))
    rows /= rows.sum(1, keepdims=True)
    cols = np.exp(scores - scores.max(0, keepdims=True))
    cols /= cols.sum(0, keepdims=True)
    diag = np.arange(n)
    loss = -(np.log(rows[diag, diag] + 1e-12).mean() + np.log(cols[diag, diag] + 1e-12).mean()) / 2
    rows[diag, diag] -= 1.0
    cols[diag, diag] -= 1.0
    d_scores = (rows + cols) / (2 * n * s.temperature)
    where = (q_index, q_len, c_index, c_len)
    return _apply(table, accum, s, d_scores, qn, cn, q_norm, c_norm, where, float(loss))


def step_lists(
    table: Floats,
    accum: Floats,
    questions: Sequence[Ints],
    clauses: Sequence[Ints],
    positive: npt.NDArray[np.bool_],
    s: Setting,
) -> float:
    """One softmax step of each question over all the batch's clauses (its own BM25
    candidates among them: hard negatives), `positive` marking its gold ones."""
    q, q_index, q_len = _sums(table, questions)
    c, c_index, c_len = _sums(table, clauses)
    q_norm = np.linalg.norm(q, axis=1, keepdims=True) + 1e-6
    c_norm = np.linalg.norm(c, axis=1, keepdims=True) + 1e-6
    qn, cn = q / q_norm, c / c_norm
    scores = qn @ cn.T / s.temperature
    p = np.exp(scores - scores.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    gold = (p * positive).sum(1, keepdims=True) + 1e-12
    loss = -np.log(gold).mean()
    d_scores = (p - p * positive / gold) / (len(scores) * s.temperature)
    return _apply(
        table,
        accum,
        s,
        d_scores,
        qn,
        cn,
        q_norm,
        c_norm,
        (q_index, q_len, c_index, c_len),
        float(loss),
    )


def _apply(table, accum, s, d_scores, qn, cn, q_norm, c_norm, where, loss):  # type: ignore[no-untyped-def]
    """Back-propagate score gradients to the feature rows and take an Adagrad step."""
    q_index, q_len, c_index, c_len = where
    d_qn, d_cn = d_scores @ cn, d_scores.T @ qn
    d_q = (d_qn - qn * (d_qn * qn).sum(1, keepdims=True)) / q_norm
    d_c = (d_cn - cn * (d_cn * cn).sum(1, keepdims=True)) / c_norm
    index = np.concatenate([q_index, c_index])
    grads = np.concatenate([np.repeat(d_q, q_len, axis=0), np.repeat(d_c, c_len, axis=0)])
    rows_hit, inverse = np.unique(index, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(inverse[order])) + 1]
    grad = np.add.reduceat(grads[order], starts, axis=0)
    accum[rows_hit] += (grad * grad).mean(1)
    table[rows_hit] -= s.rate * grad / (np.sqrt(accum[rows_hit])[:, None] + 1e-8)
    return loss


def train(
    pools: Sequence[tuple[Sequence[tuple[Ints, Ints]], float]],
    steps: int,
    s: Setting,
    table: Floats | None = None,
    buckets: int = BUCKETS,
    log: str = "",
    lists: Sequence[tuple[Ints, Sequence[Ints], Sequence[bool]]] = (),
    per_list_batch: int = 24,
) -> Floats:
    """A table trained for `steps` batches, each drawn from the pools by their shares
    (e.g. inverse-cloze pairs 0.5, question pairs 0.5); starts from `table` when given."""
    rng = np.random.default_rng(s.seed)
    if table is None:
        table = (rng.standard_normal((buckets, s.dim)) / np.sqrt(s.dim)).astype(np.float32)
    else:
        table = table.copy()
    accum = np.full(len(table), 1e-3, np.float32)
    shares = np.array([share for _, share in pools], np.float64)
    counts = np.maximum(1, np.round(shares / shares.sum() * s.batch)).astype(int)
    began, recent = time.monotonic(), []
    for n in range(steps):
        if lists and n % 2:
            # Every other step: questions against their own candidates (and each other's).
            picked = rng.choice(len(lists), size=min(per_list_batch, len(lists)), replace=False)
            qs = [lists[i][0] for i in picked]
            cs = [bag for i in picked for bag in lists[i][1]]
            positive = np.zeros((len(qs), len(cs)), bool)
            at = 0
            for row, i in enumerate(picked):
                positive[row, at : at + len(lists[i][1])] = lists[i][2]
                at += len(lists[i][1])
            recent.append(step_lists(table, accum, qs, cs, positive, s))
            continue
        questions: list[Ints] = []
        clauses: list[Ints] = []
        for (pairs, _), k in zip(pools, counts, strict=True):
            for i in rng.choice(len(pairs), size=min(k, len(pairs)), replace=False):
                questions.append(pairs[i][0])
                clauses.append(pairs[i][1])
        recent.append(step(table, accum, questions, clauses, s))
        if log and (n + 1) % 100 == 0:
            took = time.monotonic() - began
            print(f"   {log} step {n + 1} loss {np.mean(recent):.3f} ({took:.0f} s)", flush=True)
            recent = []
    return table
