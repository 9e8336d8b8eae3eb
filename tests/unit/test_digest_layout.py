"""The digest's layout is written once: text and Telegram HTML are its blocks in two styles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.digest import DigestContent
from bot.digest_layout import Style, digest_blocks
from bot.render import MESSAGE_CHARS, digest_text, text_style
from bot.store.store import LoggedQuestion
from bot.telegram.digest_render import HTML_STYLE, render_parts
from bot.telegram.formatting import LIMIT
from retrieval.library import Library
from tests.e2e.fake_bot_api import parse_html

DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)


def every_section(library: Library) -> DigestContent:
    """A digest with every section, and user text that HTML must escape."""
    return DigestContent(
        chat_id=1,
        day=DAY,
        today=library.hit(library.clauses[0]),
        keywords=("数据安全", "<跨境>&"),
        keyword_hits=tuple(library.search("数据安全", k=2).hits),
        questions=(
            LoggedQuestion(NOW, "数据 <b>要</b> 公开吗 & 何时", ("《意见》（五）",)),
            LoggedQuestion(NOW, "没人答的问题", ()),
        ),
        changes=(("added", "新条例<草案>&"), ("removed", "旧办法")),
        lead="导读：<数据> & 安全",
    )


def test_text_and_html_have_the_same_blocks_in_the_same_order(library: Library) -> None:
    content = every_section(library)
    text = digest_blocks(content, text_style(), MESSAGE_CHARS)
    html = digest_blocks(content, HTML_STYLE, LIMIT)
    assert len(content.keyword_hits) == 2
    assert [(b.cursor, b.clause_keys) for b in text] == [(b.cursor, b.clause_keys) for b in html]
    quoted = [n for n, b in enumerate(html) if "<blockquote" in b.text]
    assert len(quoted) == 3  # today's clause and two keyword clauses, one block each here
    for n, (plain, marked) in enumerate(zip(text, html, strict=True)):
        if n not in quoted:
            assert parse_html(marked.text) == plain.text
    for n, hit in zip(quoted, content.hits, strict=True):
        assert hit.clause.label in text[n].text
        assert hit.clause.label in parse_html(html[n].text)


def test_user_text_is_shown_as_typed_and_escaped_in_html(library: Library) -> None:
    content = every_section(library)
    assert "• 数据 <b>要</b> 公开吗 & 何时 → 《意见》（五）" in digest_text(content)
    html = "\n\n".join(p.text for p in render_parts(content))
    assert "• 数据 &lt;b&gt;要&lt;/b&gt; 公开吗 &amp; 何时 → 《意见》（五）" in html
    assert "<b>关注的关键词：数据安全、&lt;跨境&gt;&amp;</b>" in html


@pytest.mark.parametrize("limit", [300, 1000, 4096])
def test_packing_keeps_every_block_and_effect_in_order(library: Library, limit: int) -> None:
    content = every_section(library)
    blocks = digest_blocks(content, HTML_STYLE, limit)
    parts = render_parts(content, limit)
    assert all(len(p.text) <= limit for p in parts)
    assert "\n\n".join(p.text for p in parts) == "\n\n".join(b.text for b in blocks)
    assert [k for p in parts for k in p.clause_keys] == [k for b in blocks for k in b.clause_keys]
    assert [p.cursor for p in parts if p.cursor] == [b.cursor for b in blocks if b.cursor]
    assert len([p for p in parts if p.cursor]) == 1


@pytest.mark.parametrize("style", [text_style(), HTML_STYLE], ids=["text", "html"])
def test_the_changes_section_fits_with_its_heading_markup(library: Library, style: Style) -> None:
    many = tuple(("changed", f"关于第{n}批政务数据共享工作的实施意见（试行）") for n in range(300))
    content = replace(every_section(library), changes=many)
    changes = digest_blocks(content, style, 600)[-1].text
    assert "另有" in changes
    assert 550 < len(changes) <= 600
