"""Optional channels are fused with BM25 by reciprocal rank, and never needed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from retrieval.library import Library
from retrieval.search.fusion import reciprocal_rank_fusion

QUESTION = "街上小区里那些联网的监控探头，文件里叫啥工程"  # 雪亮工程: no shared words


class FixedChannel:
    """A semantic channel that always ranks the same clauses first (a deterministic fake)."""

    def __init__(self, positions: Sequence[int] | None) -> None:
        self.positions = positions
        self.asked: list[str] = []

    def rank(self, query: str, k: int) -> Sequence[int] | None:
        self.asked.append(query)
        return self.positions


class FixedRewriter:
    """A rewriter that restates every question in the same policy wording."""

    def __init__(self, rewritten: str | None) -> None:
        self.rewritten = rewritten
        self.asked: list[str] = []

    def rewrite(self, query: str) -> str | None:
        self.asked.append(query)
        return self.rewritten


@pytest.fixture
def plain(library: Library) -> Iterator[Library]:
    """The session library, with whatever a test attaches removed afterwards."""
    yield library
    library.attach(None, None)


def position_of(library: Library, label: str, doc_id: str = "digital_gov") -> int:
    return next(
        n for n, c in enumerate(library.clauses) if c.doc_id == doc_id and c.label == label
    )


def test_rrf_rewards_agreement_between_rankings() -> None:
    assert reciprocal_rank_fusion([[1, 2, 3], [3, 1, 2]])[0] == 1
    assert reciprocal_rank_fusion([[1, 2], [2, 5]])[0] == 2


def test_a_semantic_ranking_brings_its_clause_into_the_answer(plain: Library) -> None:
    target = plain.clauses[position_of(plain, "七、（二）")]
    assert target not in [h.clause for h in plain.answer(QUESTION).hits]
    channel = FixedChannel([position_of(plain, "七、（二）")])
    plain.attach(semantic=channel)
    after = plain.answer(QUESTION)
    assert channel.asked == [QUESTION]
    assert target in [h.clause for h in after.hits]


def test_a_sure_answer_never_asks_for_a_rewrite(plain: Library) -> None:
    rewriter = FixedRewriter("运用大数据辅助政府科学决策")
    plain.attach(rewriter=rewriter)
    answer = plain.answer("公共数据授权运营情况要公开吗")
    assert rewriter.asked == []
    assert answer.hits[0].clause.label == "（五）"


def test_an_abstaining_question_is_answered_by_its_rewrite(plain: Library) -> None:
    question = "领导拍脑袋做决定"
    assert plain.answer(question).status == "abstain"
    rewriter = FixedRewriter("运用大数据辅助政府科学决策")
    plain.attach(rewriter=rewriter)
    answer = plain.answer(question)
    assert rewriter.asked == [question]
    assert answer.status == "ok"
    assert answer.hits[0].clause.label == "二、（六）"
    assert "决策" in answer.terms


def test_an_unsure_answer_is_fused_with_its_rewrite(plain: Library) -> None:
    question = "政府部门之间数据怎么共享"  # the commentary leads the runner-up by little
    assert plain.answer(question).hits[0].clause.doc_id == "commentary"
    rewriter = FixedRewriter("推进政务数据跨部门共享")
    plain.attach(rewriter=rewriter)
    after = plain.answer(question)
    assert rewriter.asked == [question]
    # The clause both rankings place high comes first.
    assert (after.hits[0].clause.doc_id, after.hits[0].clause.label) == (
        "digital_gov",
        "五、（二）",
    )


def test_a_rewrite_that_also_abstains_leaves_the_abstention(plain: Library) -> None:
    question = "领导拍脑袋做决定"
    plain.attach(rewriter=FixedRewriter("火星基地建设"))
    assert plain.answer(question).status == "abstain"


def test_a_channel_that_is_down_changes_nothing(plain: Library) -> None:
    question = "公共数据授权运营情况要公开吗"
    expected = plain.answer(question)
    plain.attach(semantic=FixedChannel(None), rewriter=FixedRewriter(None))
    assert plain.answer(question) == expected
