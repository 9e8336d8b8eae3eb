"""`policybot diff`: two editions of a small regulation compared from the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.two_editions import write_editions


@pytest.fixture
def editions(corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_editions(corpus_dir)
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    return corpus_dir


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out, stdin=io.StringIO(""))
    return code, out.getvalue()


def test_the_first_lines_count_each_kind_of_change(editions: Path) -> None:
    code, out = run("diff", "测试条例")
    assert code == 0
    first, counts = out.splitlines()[:2]
    assert first == "《测试条例》2020-01-01 版 → 2024-01-01 版"
    assert counts == "新增 2 条，删除 1 条，修改 1 条，调整条序 1 条，未变 1 条"


def test_changed_words_are_marked(editions: Path) -> None:
    _, out = run("diff", "测试条例")
    assert "【修改】第二条\n测试人员应当如实[+、完整+]记录测试结果[+，并在记录上签字+]。" in out
    assert "【条序调整】第四条 → 第三条" in out
    assert "【删除】第三条\n测试报告应当保存五年" in out


def test_json_lists_the_changed_articles_with_their_words(editions: Path) -> None:
    _, out = run("diff", "测试条例", "--json")
    diff = json.loads(out)
    assert diff["from"]["edition"] == "2020-01-01"
    assert diff["to"] == {"doc_id": "测试条例", "edition": "2024-01-01"}
    assert diff["counts"] == {
        "added": 2,
        "removed": 1,
        "changed": 1,
        "renumbered": 1,
        "unchanged": 1,
    }
    changed = next(a for a in diff["articles"] if a["kind"] == "changed")
    assert ["added", "、完整"] in changed["words"]


def test_dates_choose_the_editions(editions: Path) -> None:
    code, out = run("diff", "测试条例", "--from", "2020", "--to", "2024-01-01")
    assert code == 0
    assert out.startswith("《测试条例》2020-01-01 版 → 2024-01-01 版")
    code, out = run("diff", "测试条例", "--from", "2019")
    assert code == 1
    assert out.strip() == "《测试条例》没有这个日期的版本。已收录的版本：2020-01-01、2024-01-01"


def test_a_document_with_one_edition_says_so(editions: Path) -> None:
    code, out = run("diff", "测试法")
    assert code == 1
    assert "只有一个版本" in out


def test_an_unknown_document_is_named(editions: Path) -> None:
    code, out = run("diff", "不存在的办法")
    assert code == 1
    assert "没有找到文件「不存在的办法」" in out


def test_clause_json_lists_what_it_cites_resolved_or_not(editions: Path) -> None:
    _, out = run("clause", "测试条例第五条", "--json")
    [hit] = json.loads(out)["hits"]
    assert hit["cites"] == [
        {"doc_id": "测试条例", "doc_title": "测试条例", "section": "第二条", "in_library": True},
        {"doc_id": "测试法", "doc_title": "测试法", "section": "第二条", "in_library": True},
        {
            "doc_id": None,
            "doc_title": "中华人民共和国行政处罚法",
            "section": "第三十二条",
            "in_library": False,
        },
    ]
    assert hit["cited_by"] == []


def test_clause_json_lists_who_cites_it(editions: Path) -> None:
    _, out = run("clause", "测试法第二条", "--json")
    [hit] = json.loads(out)["hits"]
    assert hit["cites"] == []
    assert hit["cited_by"] == [
        {"doc_id": "测试条例", "doc_title": "测试条例", "section": "第五条", "in_library": True}
    ]
