"""The pull-quote test: a block repeated nearly word for word elsewhere, found by its rarest
bigrams exactly as comparing it with every block would find it."""

from __future__ import annotations

import re

import pytest

from config.settings import BUNDLED_CORPUS
from retrieval.corpus import parse_file
from retrieval.documents.cleanup import BlockBigrams, near_copy_elsewhere
from retrieval.reading.plain import read_source


def by_every_block(index: int, blocks: list[str]) -> bool:
    """The definition: another block, not much shorter, holding 80 % of this one's bigrams."""

    def grams(text: str) -> set[str]:
        text = re.sub(r"\W", "", text)
        return {text[i : i + 2] for i in range(len(text) - 1)}

    own = grams(blocks[index])
    if len(own) < 8:
        return False
    return any(
        len(own & grams(block)) >= 0.8 * len(own)
        for other, block in enumerate(blocks)
        if other != index and len(block) >= len(blocks[index]) * 0.8
    )


@pytest.mark.parametrize("seed", sorted(p.name for p in BUNDLED_CORPUS.iterdir()))
def test_every_seed_block_is_judged_as_by_the_definition(seed: str) -> None:
    text = (BUNDLED_CORPUS / seed).read_text(encoding="utf-8", errors="replace")
    blocks = list(read_source(text).blocks)
    grams = BlockBigrams(blocks)
    for index in range(len(blocks)):
        assert near_copy_elsewhere(index, blocks, grams) == by_every_block(index, blocks), index


def test_a_pasted_quote_is_found_and_a_new_sentence_is_not() -> None:
    blocks = [
        "各地区各部门要加快推进公共数据资源开发利用，",
        "推动数据高效流通使用，释放数据要素价值。",
        "坚持统筹发展和安全，强化数据安全保障。",
        "推动数据高效流通使用释放数据要素价值！",  # the quote again, punctuation aside
        "建立健全公共数据资源登记制度。",
    ]
    grams = BlockBigrams(blocks)
    assert near_copy_elsewhere(3, blocks, grams)
    assert near_copy_elsewhere(1, blocks, grams)
    assert not near_copy_elsewhere(4, blocks, grams)
    assert not near_copy_elsewhere(2, blocks, grams)


@pytest.mark.parametrize(
    "crumb", ["首页 &gt; 法律法规", "当前位置：首页 &gt; 政策文件", "首页 / 法规"]
)
def test_a_saved_pages_breadcrumb_is_not_taken_for_its_title(crumb: str) -> None:
    page = (
        "<html><head><title>道路执勤工作规范 - 法规库</title></head><body>"
        f'<div class="nav">{crumb}</div><h2>道路执勤工作规范</h2>'
        "第一条 为了规范执勤，制定本规范。<br>第二条 本规范自公布之日起施行。</body></html>"
    )
    [copy], _ = parse_file("page.html", page.encode())
    assert copy.title == "道路执勤工作规范"
    assert [c.label for c in copy.clauses] == ["第一条", "第二条"]
