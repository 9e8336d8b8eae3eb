"""The CLI contract, driven through main(argv) like a user at a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import texts
from tests.harness import FIXTURES, run
from tests.related_corpus import write_related_corpus

HIT_KEYS = {"doc_id", "doc_title", "section", "heading", "text", "score"}


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_ask_json_follows_the_contract() -> None:
    code, out = run("ask", "网络安全态势感知监测", "--json")
    [answer] = json_lines(out)
    assert code == 0
    assert set(answer) == {"query", "mode", "status", "hits", "summary"}
    assert answer["mode"] == "search"
    assert answer["status"] == "ok"
    assert answer["summary"] is None
    hits = answer["hits"]
    assert isinstance(hits, list)
    assert set(hits[0]) == HIT_KEYS
    assert hits[0]["section"] == "三、（三）"


def test_ask_routes_references_to_lookup() -> None:
    _, out = run("ask", "数据二十条第十条", "--json")
    [answer] = json_lines(out)
    assert answer["mode"] == "lookup"
    assert answer["hits"][0]["section"] == "（十）"  # type: ignore[index]


def test_ask_reads_one_query_per_stdin_line() -> None:
    _, out = run("ask", "-", "--json", "-k", "1", stdin="数字政府 2.3\n\n今年端午节放几天假\n")
    answers = json_lines(out)
    assert [a["status"] for a in answers] == ["ok", "abstain"]
    assert len(answers[0]["hits"]) == 1  # type: ignore[arg-type]


def test_k_limits_the_hits() -> None:
    _, out = run("ask", "数据安全", "--json", "-k", "5")
    assert len(json_lines(out)[0]["hits"]) == 5  # type: ignore[arg-type]


def test_clause_command_and_not_found() -> None:
    _, out = run("clause", "-", "--json", stdin="公共数据意见(5)\n数据二十条第二十一条\n")
    found, missing = json_lines(out)
    assert found["status"] == "ok"
    assert missing["status"] == "not_found"
    assert [h["section"] for h in missing["hits"]] == ["（十八）", "（十九）", "（二十）"]  # type: ignore[index,union-attr]
    assert all(h["score"] == 0.0 for h in missing["hits"])  # type: ignore[index,union-attr]


def test_plain_text_answer_quotes_title_and_section() -> None:
    _, out = run("ask", "数字政府 五（三）")
    assert "《国务院关于加强数字政府建设的指导意见》五、（三）" in out
    assert "编制公共数据开放目录及相关责任清单" in out


def test_docs_and_toc() -> None:
    _, docs = run("docs")
    assert len([ln for ln in docs.splitlines() if ln.startswith("  ")]) == 6
    _, toc = run("toc", "数据二十条")
    assert "（二十） 稳步推进制度建设" in toc
    _, unknown = run("toc", "不存在的文件")
    assert "没有找到文件" in unknown


def test_check_reports_documents_and_warnings() -> None:
    code, out = run("check")
    assert code == 0
    assert out.startswith("6 份文件")
    assert "000_cd1b781137da23f0.txt, 001_112312e6e064ea2c.txt" in out
    assert "警告" in out


def test_eval_prints_the_metrics() -> None:
    code, out = run("eval", str(FIXTURES / "dev_qa.jsonl"))
    assert code == 0
    assert "R@1=" in out
    assert "accuracy=" in out
    assert "abstain=" in out


def test_chat_answers_until_an_empty_line() -> None:
    code, out = run("chat", stdin="数据二十条第三条\n第五条\n\n数字政府 2.3\n")
    assert code == 0
    assert "探索数据产权结构性分置制度" in out
    assert "推动建立企业数据确权授权机制" in out  # 第五条 uses the chat's current document
    assert "积极推动数字化治理模式创新" not in out


def test_chat_reads_the_bots_commands_instead_of_searching_them() -> None:
    code, out = run("chat", stdin="/clause 数据二十条第三条\n/docs\n/toc 数据二十条\n/help\n")
    assert code == 0
    assert "探索数据产权结构性分置制度" in out
    assert texts.DOCS_HEADER in out
    assert "工作原则" in out  # a heading of 数据二十条's table of contents
    assert texts.CHAT_HELP in out


def test_chat_answers_an_unknown_command_with_its_commands() -> None:
    code, out = run("chat", stdin="/subscribe\n")
    assert code == 0
    assert texts.CHAT_HELP in out
    assert "《" not in out  # nothing was searched


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "？？！！……",
        "数据" * 10000,
        "😀🎉🚀",
        "<b>&amp;</b><script>",
        "第九百九十九条",
        "数字政府 二（三十）",
        "*_[]()~`>#+-=|{}.!",
        "\x00\x01",
    ],
)
def test_bad_input_gets_a_status_and_exit_zero(query: str) -> None:
    code, out = run("ask", query, "--json")
    assert code == 0
    [answer] = json_lines(out)
    assert answer["status"] in {"ok", "abstain", "not_found"}
    code, text = run("ask", query)
    assert code == 0
    assert text.strip()


def test_bad_input_batch_in_a_real_process_prints_no_traceback() -> None:
    lines = ["？？！！……", "😀🎉🚀", "<b>&amp;</b><script>", "第九百九十九条", "\x00\x01"]
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "-"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0
    assert "Traceback" not in done.stderr
    assert len(json_lines(done.stdout)) == len(lines)


def test_a_reader_that_leaves_early_gets_no_traceback() -> None:
    # `policybot ask - < questions.txt | head -1`: far more output than a pipe holds.
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin
    assert process.stdout
    assert process.stderr
    process.stdin.write("数据要素市场怎么建设\n" * 300)
    process.stdin.close()
    assert json.loads(process.stdout.readline())["status"] == "ok"
    process.stdout.close()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in process.stderr.read()
    process.stderr.close()


def test_missing_corpus_dir_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(tmp_path / "nope"))
    code, _ = run("docs")
    assert code == 2
    assert capsys.readouterr().err.strip().startswith("配置错误：POLICYBOT_CORPUS_DIR")


def test_digest_prints_what_would_be_sent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    code, out = run("digest", "--chat", "42", "--date", "2026-12-01")
    assert code == 0
    assert "政策日报 · 2026-12-01" in out
    assert "今日条款" in out
    code, again = run("digest", "--chat", "42", "--date", "2026-12-01")
    assert again == out  # printing records nothing
    code, bad = run("digest", "--chat", "42", "--date", "12/01")
    assert code == 2
    assert "YYYY-MM-DD" in bad


@pytest.mark.parametrize(
    ("model", "expect_summary"),
    [("ok", True), ("e500", False), ("uncited", False), ("invent-figure", False)],
)
def test_ask_summarize_fills_the_summary_field(
    monkeypatch: pytest.MonkeyPatch, model: str, expect_summary: bool
) -> None:
    from tests.fake_llm import FakeLLM

    with FakeLLM() as llm:
        monkeypatch.setenv("POLICYBOT_LLM_BASE_URL", llm.base_url)
        monkeypatch.setenv("POLICYBOT_LLM_MODEL", model)
        monkeypatch.setenv("POLICYBOT_LLM_TIMEOUT", "2")
        # The fake model answers every prompt with a summary; as a rewrite it would be searched.
        monkeypatch.setenv("POLICYBOT_LLM_REWRITE", "false")
        code, out = run("ask", "公共数据授权运营情况要公开吗", "--json", "--summarize")
    [answer] = json_lines(out)
    assert code == 0
    assert answer["hits"]
    if expect_summary:
        assert "〔（五）〕" in str(answer["summary"])
    else:
        assert answer["summary"] is None


def test_ask_summarize_caps_the_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fake_llm import FakeLLM

    with FakeLLM() as llm:
        monkeypatch.setenv("POLICYBOT_LLM_BASE_URL", llm.base_url)
        monkeypatch.setenv("POLICYBOT_LLM_MODEL", "long")
        monkeypatch.setenv("POLICYBOT_LLM_REWRITE", "false")
        _, out = run("ask", "公共数据授权运营情况要公开吗", "--json", "--summarize")
    summary = str(json_lines(out)[0]["summary"])
    assert 300 < len(summary) <= 600


def test_ask_summarize_without_endpoint_leaves_summary_null() -> None:
    _, out = run("ask", "数据安全", "--json", "--summarize")
    assert json_lines(out)[0]["summary"] is None


def test_eval_cross_validates_per_style() -> None:
    source = Path(__file__).parent.parent / "fixtures" / "dev_qa.jsonl"
    code, out = run("eval", str(source), "--cv", "3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("3-fold cross-validation")
    assert lines[1].startswith("questions")
    assert any(line.startswith("out-of-scope") for line in lines)
    assert any(line.strip().startswith("colloquial") for line in lines)


def test_eval_refuses_a_single_fold() -> None:
    source = Path(__file__).parent.parent / "fixtures" / "dev_qa.jsonl"
    code, out = run("eval", str(source), "--cv", "1")
    assert code == 2
    assert "--cv" in out


def test_a_bare_document_name_prints_its_card() -> None:
    code, out = run("ask", "数据二十条")
    assert code == 0
    assert out.startswith("《中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见》")
    assert "发文：中共中央 国务院" in out
    assert "一、总体要求" in out
    assert "未找到" not in out


def test_endpoint_credentials_never_reach_the_log() -> None:
    # A closed port: the rewriter fails and says so, naming its endpoint without the key.
    env = {**os.environ, "POLICYBOT_LLM_BASE_URL": "http://bob:pw-999@127.0.0.1:9/v1"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "这个和那个的关系怎么样呢"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0
    assert "127.0.0.1:9" in done.stderr  # the failure is still reported
    assert "pw-999" not in done.stderr
    assert "bob" not in done.stderr


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"kind": "question", "query": "x", "gold": []}\n{not json\n', "第 2 行不是 JSON"),
        ('{"kind": "riddle", "query": "x"}\n', "第 1 行缺少 query 或 kind"),
        ('["question"]\n', "第 1 行缺少 query 或 kind"),
        ('{"kind": "question", "query": "x", "gold": ["a"]}\n', "gold 应为对象列表"),
    ],
)
def test_a_malformed_eval_file_is_one_line_and_exit_2(
    tmp_path: Path, content: str, said: str
) -> None:
    (tmp_path / "bad.jsonl").write_text(content, encoding="utf-8")
    code, out = run("eval", str(tmp_path / "bad.jsonl"))
    assert code == 2
    assert said in out
    assert out.strip().count("\n") == 0


def test_clause_json_lists_related_clauses_of_other_documents(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("POLICYBOT_CORPUS_DIR", str(write_related_corpus(tmp_path / "corpus")))
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(tmp_path / "data"))
    _, out = run("clause", "烟草标识条例第一条", "--json")
    [answer] = json_lines(out)
    [hit] = answer["hits"]
    assert set(hit) == HIT_KEYS | {"cites", "cited_by", "related"}
    [related] = hit["related"]
    assert related["doc_title"] == "烟草标识实施细则"
    assert related["section"] == "第一条"
    assert all(r["text"] and r["doc_id"] != hit["doc_id"] for r in hit["related"])
