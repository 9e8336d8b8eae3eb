"""Fit the rerank and abstain models with k-fold cross-validation and report honest figures.

    policybot eval ../shared/eval/dev_qa.jsonl --cv 5          # cross-validated figures
    policybot eval ../shared/eval/dev_qa.jsonl --cv 5 --fit    # + refit on all, write the models

Every item is searched once (candidates and their features do not depend on the models);
each fold then fits on four fifths and is scored on the fifth it never saw. Rerank: pairwise
logistic regression (gold clause vs. the others in a question's candidates). Abstain: the two
parameters of the rule in ranking.py (coverage and whole words of the best candidate), set on
the training folds; a logistic model over more features did worse under the same folds.
`--fit` refits on everything and writes ranking.json in the lexicon directory; the CV figures
are the ones that count.
"""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from retrieval.library import Library
from retrieval.question.query import ExpansionWeights
from retrieval.search.ranking import DEFAULT_MODELS, FEATURES, Models
from retrieval.words.normalize import fold_layout

ANSWER_WEIGHT = 2.0
LEARN_ABSTAIN = False
CANDIDATES = 20
STYLES = (
    "colloquial",
    "English",
    "typo",
    "traditional",
    "multi-clause",
    "keyword",
    "formal",
    "near-topic",
    "far",
)
Matrix = npt.NDArray[np.float64]


@dataclass
class Item:
    """One evaluated query with its candidates' features."""

    case: dict[str, object]
    answerable: bool
    fixed_rank: int | None = None  # a lookup route (reference, heading, card): model-free
    routed: bool = False
    features: Matrix = field(default_factory=lambda: np.zeros((0, len(FEATURES))))
    gold: list[bool] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    # The candidates' clause positions in the library searched (not saved: a refit from
    # save_items needs none; a harness adding a feature computes it from them).
    positions: list[int] = field(default_factory=list)

    @property
    def styles(self) -> list[str]:
        note = str(self.case.get("note") or "").lower()
        kind = str(self.case["kind"])
        out = [s for s in STYLES if s.lower() in note]
        if kind == "out_of_scope":
            out.append("near-topic OOS" if "near-topic" in note else "far OOS")
        if "multi-clause" in note or "two clauses" in note or "three clauses" in note:
            out.append("multi-clause")
        return sorted(set(out) - {"near-topic", "far"} if kind == "out_of_scope" else set(out))


def collect(library: Library, path: Path) -> list[Item]:
    """Search every question and out-of-scope query once, keeping candidate features."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        if case["kind"] == "clause_ref":
            continue
        snippets = [fold_layout(s) for g in case["gold"] for s in g.get("snippets", [])]
        item = Item(case, case.get("expect") == "answer")
        routed = library.answer(case["query"], k=3)
        # A name several documents share is asked about: the asker gets no clause yet.
        if routed.mode == "lookup" or routed.status == "ambiguous":
            item.routed = True
            ranks = [
                i + 1
                for i, h in enumerate(routed.hits)
                if any(s in fold_layout(h.clause.text) for s in snippets)
            ]
            item.fixed_rank = ranks[0] if ranks else None
            items.append(item)
            continue
        prepared, mentioned = library.prepare(case["query"])
        # The default rerank (features do not depend on it); the library's expansion weights
        # (they shape the candidates and their coverage).
        searching = replace(DEFAULT_MODELS, expansion=library.models.expansion)
        found = library.index.candidates(prepared, mentioned, searching, n=CANDIDATES)
        item.features = np.array([c.features for c in found]).reshape(-1, len(FEATURES))
        item.texts = [fold_layout(library.clauses[c.position].text) for c in found]
        item.positions = [c.position for c in found]
        item.gold = [any(s in t for s in snippets) for t in item.texts]
        items.append(item)
    return items


def ranked(item: Item, rank_w: Matrix) -> tuple[list[int], Matrix]:
    """Candidate order under rank weights, and the best candidate's features with its margin."""
    if not len(item.features):
        return [], np.zeros(len(FEATURES))
    scores = item.features @ rank_w
    named = item.features[:, FEATURES.index("named")]
    order = sorted(range(len(scores)), key=lambda i: (named[i] == 0, -scores[i], i))
    top = item.features[order[0]].copy()
    top[FEATURES.index("margin")] = (
        scores[order[0]] - scores[order[1]] if len(order) > 1 else scores[order[0]]
    )
    return order, top


def first_gold(item: Item, order: list[int]) -> int | None:
    """1-based rank of the first gold clause among the unique top three."""
    seen: list[str] = []
    for i in order:
        if item.texts[i] in seen:
            continue
        seen.append(item.texts[i])
        if item.gold[i]:
            return len(seen)
        if len(seen) == 3:
            break
    return None


def logistic(x: Matrix, y: Matrix, l2: float = 1.0, weights: Matrix | None = None) -> Matrix:
    """L2-regularised logistic regression by Newton's method; last column is the bias."""
    x = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x.shape[1])
    sample = np.ones(len(x)) if weights is None else weights
    reg = l2 * np.eye(x.shape[1])
    reg[-1, -1] = 1e-6
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (sample * (p - y)) + reg @ w
        hess = (x.T * (sample * p * (1 - p))) @ x + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_rank(items: list[Item]) -> Matrix:
    """Pairwise logistic regression: gold candidates above the others of the same question."""
    diffs = []
    for item in items:
        if item.routed or not item.answerable or not any(item.gold):
            continue
        golds = item.features[[i for i, g in enumerate(item.gold) if g]]
        others = item.features[[i for i, g in enumerate(item.gold) if not g]]
        for g in golds[:2]:
            for o in others:
                diffs.append(g - o)
    if not diffs:
        return np.array(DEFAULT_MODELS.rank)
    d = np.array(diffs)
    x = np.vstack([d, -d])
    y = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
    w = logistic(x, y, l2=1.0)[:-1]
    w[FEATURES.index("margin")] = 0.0  # the margin exists only after ranking
    return w


def fit_answer(items: list[Item], rank_w: Matrix) -> tuple[float, int]:
    """The abstain rule's parameters that best separate answerable from out-of-scope items.

    Maximises a weighted Youden's J: answered-questions rate counts twice the abstained-OOS
    rate, because a wrong 未找到 is what users complain of most.
    """
    tops = [(item.answerable, ranked(item, rank_w)[1]) for item in items if _searched(item)]
    best, best_j = (DEFAULT_MODELS.min_coverage, DEFAULT_MODELS.min_words), -9.0
    for min_words in (1, 2, 3):
        for min_coverage in np.arange(0.10, 0.51, 0.05):
            rule = Models(DEFAULT_MODELS.rank, float(min_coverage), min_words)
            answered = [rule.answers(top.tolist()) for ok, top in tops if ok]
            abstained = [not rule.answers(top.tolist()) for ok, top in tops if not ok]
            rate = sum(answered) / max(1, len(answered))
            j = ANSWER_WEIGHT * rate + sum(abstained) / max(1, len(abstained))
            if j > best_j + 1e-9:
                best, best_j = (round(float(min_coverage), 2), min_words), j
    return best


def fit_abstain(
    items: list[Item],
    rank_w: Matrix,
    rule: tuple[float, int],
    answer_weight: float = ANSWER_WEIGHT,
) -> tuple[float, ...]:
    """A logistic abstain decision over the best candidate's features, above the rule's floor.

    Fitted on the searched items whose best clause states what is asked and covers at least
    the rule's minimum; its bias is then moved to maximise the same weighted Youden's J as the
    rule (answered questions `answer_weight` times the abstained out-of-scope ones).
    """
    floor = Models(DEFAULT_MODELS.rank, rule[0], 0)
    tops = [(item.answerable, ranked(item, rank_w)[1]) for item in items if _searched(item)]
    above = [(ok, top) for ok, top in tops if floor.answers(top.tolist())]
    if not above or all(ok for ok, _ in above) or not any(ok for ok, _ in above):
        return ()
    x = np.array([top for _, top in above])
    y = np.array([1.0 if ok else 0.0 for ok, _ in above])
    w = logistic(x, y, l2=1.0)
    scores = x @ w[:-1] + w[-1]
    n_ok = sum(ok for ok, _ in tops) or 1
    n_oos = sum(not ok for ok, _ in tops) or 1
    best_shift, best_j = 0.0, -9.0
    for shift in np.arange(-4.0, 4.01, 0.1):
        answered = scores + shift >= 0
        rate = float(answered[y == 1].sum()) / n_ok
        abstained = (n_oos - float(answered[y == 0].sum())) / n_oos
        j = answer_weight * rate + abstained
        if j > best_j + 1e-9:
            best_shift, best_j = float(shift), j
    w[-1] += best_shift
    return tuple(round(float(v), 6) for v in w)


def _searched(item: Item) -> bool:
    return not item.routed and len(item.features) > 0


def models_from(
    rank_w: Matrix,
    rule: tuple[float, int],
    expansion: ExpansionWeights = DEFAULT_MODELS.expansion,
    abstain: tuple[float, ...] = (),
) -> Models:
    """Package fitted weights, the rule and the expansion weights for ranking.json."""
    rank = tuple(round(float(v), 6) for v in rank_w)
    return Models(rank, rule[0], rule[1], expansion, abstain)


@dataclass
class Outcome:
    """What the system did with one held-out item."""

    item: Item
    rank: int | None
    abstained: bool


def judge(item: Item, models: Models) -> Outcome:
    """Apply fitted models to one item, as Library.search would."""
    if item.routed:
        return Outcome(item, item.fixed_rank, False)
    if not len(item.features):
        return Outcome(item, None, True)
    rank_w = np.array(models.rank)
    order, top = ranked(item, rank_w)
    abstained = not models.answers(top.tolist())
    return Outcome(item, None if abstained else first_gold(item, order), abstained)


def cross_validate(
    items: list[Item],
    folds_n: int = 5,
    seed: int = 13,
    extra: list[Item] | None = None,
    expansion: ExpansionWeights = DEFAULT_MODELS.expansion,
    learn_abstain: bool = LEARN_ABSTAIN,
    ranking_only: bool = False,
) -> list[Outcome]:
    """Stratified k-fold CV: every item judged by models fitted without it (and with the
    `extra` items, e.g. the train splits, in every fold's training data); with
    `ranking_only` the abstain rule is off (the rerank judged alone)."""
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(folds_n)]
    for answerable in (True, False):
        group = [i for i, it in enumerate(items) if it.answerable == answerable]
        rng.shuffle(group)
        for n, index in enumerate(group):
            folds[n % folds_n].append(index)
    outcomes: dict[int, Outcome] = {}
    for fold in folds:
        held = set(fold)
        train = [items[i] for i in range(len(items)) if i not in held] + list(extra or ())
        models = fit_all(train, expansion, learn_abstain)
        if ranking_only:
            models = replace(models, min_coverage=0.0, min_words=0, abstain=())
        for i in fold:
            outcomes[i] = judge(items[i], models)
    return [outcomes[i] for i in range(len(items))]


def table(outcomes: list[Outcome]) -> list[str]:
    """The printed report: overall rows, then one row per style."""

    def row(name: str, group: list[Outcome]) -> str:
        answerable = [o for o in group if o.item.answerable]
        oos = [o for o in group if not o.item.answerable]
        parts = [f"{name:<16} "]
        if answerable:
            n = len(answerable)
            r1 = sum(o.rank == 1 for o in answerable) / n
            r3 = sum(o.rank is not None and o.rank <= 3 for o in answerable) / n
            fa = sum(o.abstained for o in answerable) / n
            parts.append(f"n={n:3d}  R@1={r1:.3f}  R@3={r3:.3f}  false-abstain={fa:.3f}  ")
        if oos:
            n = len(oos)
            parts.append(f"n={n:3d}  abstain={sum(o.abstained for o in oos) / n:.3f}")
        return "".join(parts)

    lines = [row("questions", [o for o in outcomes if o.item.answerable])]
    lines.append(row("out-of-scope", [o for o in outcomes if not o.item.answerable]))
    lines.append(operating_point(outcomes))
    styles = sorted({s for o in outcomes for s in o.item.styles})
    lines.extend(row(f"  {s}", [o for o in outcomes if s in o.item.styles]) for s in styles)
    return lines


def operating_point(outcomes: list[Outcome]) -> str:
    """The abstain decision as a classifier of 'answerable': precision and recall of answering."""
    answered = [o for o in outcomes if not o.abstained]
    in_scope = [o for o in outcomes if o.item.answerable]
    right = sum(o.item.answerable for o in answered)
    precision = right / len(answered) if answered else 0.0
    recall = right / len(in_scope) if in_scope else 0.0
    figures = f"precision={precision:.3f}  recall={recall:.3f}"
    return f"answering        {figures}  (answered {len(answered)})"


def misses(outcomes: list[Outcome]) -> list[str]:
    """Held-out items the models got wrong."""
    out = []
    for o in outcomes:
        if (o.item.answerable and o.rank != 1) or (not o.item.answerable and not o.abstained):
            what = "abstain" if o.abstained else f"rank {o.rank}"
            out.append(f"  miss {o.item.case['id']} {o.item.case['query']} → {what}")
    return out


def fit_all(
    items: list[Item],
    expansion: ExpansionWeights = DEFAULT_MODELS.expansion,
    learn_abstain: bool = LEARN_ABSTAIN,
) -> Models:
    """Models fitted on every item (what ships), keeping the given expansion weights."""
    rank_w = fit_rank(items)
    rule = fit_answer(items, rank_w)
    abstain = fit_abstain(items, rank_w, rule) if learn_abstain else ()
    return models_from(rank_w, rule, expansion, abstain)


def save_items(items: list[Item], path: Path) -> None:
    """Collected items as JSON (candidates' features, which are gold, their texts' keys), so
    a refit can pool them without rebuilding the libraries they were searched in."""
    rows = [
        {
            "case": {k: item.case.get(k) for k in ("id", "kind", "query", "note")},
            "answerable": item.answerable,
            "fixed_rank": item.fixed_rank,
            "routed": item.routed,
            "features": item.features.round(6).tolist(),
            "gold": item.gold,
            "texts": [f"{zlib.crc32(t.encode()):08x}" for t in item.texts],
        }
        for item in items
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def load_items(path: Path) -> list[Item]:
    """Items written by save_items."""
    out = []
    for row in json.loads(path.read_text(encoding="utf-8")):
        features = np.array(row["features"], dtype=np.float64).reshape(-1, len(FEATURES))
        out.append(
            Item(
                row["case"],
                row["answerable"],
                row["fixed_rank"],
                row["routed"],
                features,
                list(row["gold"]),
                list(row["texts"]),
            )
        )
    return out
