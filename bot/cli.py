"""The `policybot` command line: ask, clause, docs, toc, diff, check, eval, chat, serve, digest."""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import redact, render, texts
from bot.upkeep.building import library_builder
from bot.upkeep.startup import check_directories
from config.settings import LEXICON_DIR, Settings, SettingsError, load_settings
from retrieval.library import Library
from retrieval.model import Answer, Hit

if TYPE_CHECKING:  # Telegram, httpx and SQLite are imported only by the commands using them
    from bot.endpoints.llm import LLMClient
    from bot.store.store import Store

SEARCHING = {"ask", "chat", "eval", "digest"}  # the commands that rank with optional channels
ANSWERING_MANY = {"chat", "eval"}  # worth readying the library for many questions (warm)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; subcommands and flags are a contract (README, "Command line")."""
    parser = argparse.ArgumentParser(prog="policybot", description="政策文件问答机器人")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="提问或按编号查条款（与机器人相同的路由）")
    ask.add_argument("question", help='问题；"-" 表示从标准输入每行读一个')
    ask.add_argument("-k", type=int, default=3, help="返回条款数（1–10）")
    ask.add_argument("--json", action="store_true", help="每个问题输出一行 JSON")
    ask.add_argument("--summarize", action="store_true", help="附加 LLM 摘要（需配置 LLM）")
    clause = sub.add_parser("clause", help="按编号查条款")
    clause.add_argument("ref", help='条款编号；"-" 表示从标准输入每行读一个')
    clause.add_argument("--json", action="store_true")
    sub.add_parser("docs", help="列出收录的文件")
    toc = sub.add_parser("toc", help="文件目录")
    toc.add_argument("doc", help="文件名、简称或 ID")
    sub.add_parser("check", help="解析语料并报告文件、条款数和警告")
    diff = sub.add_parser("diff", help="比较同一文件的两个版本")
    diff.add_argument("doc", help="文件名、简称或 ID")
    diff.add_argument("--from", dest="since", default="", help="旧版本日期（默认：次新版）")
    diff.add_argument("--to", dest="until", default="", help="新版本日期（默认：最新版）")
    diff.add_argument("--json", action="store_true")
    ev = sub.add_parser("eval", help="在评测集上计算指标")
    ev.add_argument("file", type=Path)
    ev.add_argument("--cv", type=int, metavar="K", help="K 折交叉验证排序与拒答模型（如 5）")
    ev.add_argument("--fit", action="store_true", help="与 --cv 同用：在全部数据上重训并写入模型")
    ev.add_argument(
        "--train-items",
        type=Path,
        metavar="JSON",
        help="与 --cv 同用：每折训练时加入训练集检索结果（benchmarks/fit_ranking.py 写出）",
    )
    sub.add_parser("chat", help="终端里的本地对话")
    serve = sub.add_parser("serve", help="运行 Telegram 机器人")
    serve.add_argument("--webhook", action="store_true", help="以 webhook 接收更新（默认长轮询）")
    digest = sub.add_parser("digest", help="打印某个会话的每日推送")
    digest.add_argument("--chat", type=int, required=False)
    digest.add_argument("--date")
    return parser


def _inputs(arg: str, stdin: TextIO) -> Iterable[str]:
    if arg != "-":
        yield _valid(arg)
        return
    for line in stdin:
        if line.strip():
            yield _valid(line.rstrip("\n"))


def _valid(text: str) -> str:
    """Bytes that were not UTF-8 become U+FFFD, never raw bytes echoed into --json."""
    # Python keeps undecodable argv (and stdin under the C locale) as lone surrogates.
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _emit(answers: Iterable[Answer], as_json: bool, out: TextIO) -> None:
    for answer in answers:
        print(render.to_json(answer) if as_json else render.to_text(answer) + "\n", file=out)


def run_ask(
    library: Library, settings: Settings, args: argparse.Namespace, out: TextIO, stdin: TextIO
) -> int:
    k = max(1, min(10, args.k))
    llm = None
    if args.summarize:
        from bot.endpoints.llm import llm_from_settings

        llm = llm_from_settings(settings)
    answers = (library.answer(q, k=k) for q in _inputs(args.question, stdin))
    if llm is not None:
        answers = (with_summary(llm, a) for a in answers)
    _emit(answers, args.json, out)
    return 0


def with_summary(llm: LLMClient, answer: Answer) -> Answer:
    """The answer with a verified summary, or unchanged (summary null) when unavailable."""
    import asyncio

    from bot.endpoints.llm import SummaryUnavailable, summarize

    if answer.status != "ok":
        return answer
    try:
        text = asyncio.run(summarize(llm, answer.query, answer.hits))
    except SummaryUnavailable as exc:
        logging.getLogger(__name__).warning("摘要暂不可用：%s", exc)
        return answer
    return replace(answer, summary=text)


def run_clause(library: Library, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    answers = (library.lookup(r) for r in _inputs(args.ref, stdin))
    if not args.json:
        _emit(answers, False, out)
        return 0

    def links(hit: Hit) -> dict[str, Any]:
        return {
            "cites": [render.citation_json(c) for c in library.cites(hit.clause)],
            "cited_by": [render.citation_json(c) for c in library.cited_by(hit.clause)],
            "related": [render.related_json(library, c) for c in library.related(hit.clause)],
        }

    for answer in answers:
        print(render.to_json(answer, links), file=out)
    return 0


def run_docs(library: Library, out: TextIO) -> int:
    print(texts.DOCS_HEADER, file=out)
    for doc in library.documents:
        print("  " + render.doc_line(doc), file=out)
    return 0


def run_toc(library: Library, name: str, out: TextIO) -> int:
    docs = library.resolve(name)
    if len(docs) > 1:
        print(texts.TOC_SEVERAL.format(name=name, ids="、".join(d.doc_id for d in docs)), file=out)
        return 0
    if not docs:
        print(texts.TOC_UNKNOWN.format(name=name), file=out)
        return 0
    print(render.toc_text(docs[0]), file=out)
    return 0


def run_diff(library: Library, args: argparse.Namespace, out: TextIO) -> int:
    """What changed between two editions of a document; exit 1 when there is no pair."""
    from retrieval.documents.editions import NoDiff, compare

    found = library.resolve(args.doc)
    diff = compare(library.documents, found, args.since, args.until)
    if isinstance(diff, NoDiff):
        print(render.no_diff_text(diff, args.doc), file=out)
        return 1
    print(render.diff_json(diff) if args.json else render.diff_text(diff), file=out)
    return 0


def run_check(library: Library, out: TextIO) -> int:
    print(f"{len(library.documents)} 份文件，{len(library.clauses)} 条条款", file=out)
    for doc in library.documents:
        print(render.doc_line(doc), file=out)
        print(f"    来源：{', '.join(doc.sources)}", file=out)
        incomplete = [c.label for c in doc.clauses if c.incomplete]
        if incomplete:
            print(f"    不完整的段落：{'、'.join(incomplete)}", file=out)
    from retrieval.documents.naming import collisions  # `check` alone needs it

    shared = collisions(library.documents)
    if shared:
        print(f"同名简称 {len(shared)} 个（查询时列出各文件，不替用户选）：", file=out)
        for name, titles in sorted(shared.items()):
            print(f"  {name}：{'、'.join(titles)}", file=out)
    print(f"警告 {len(library.problems)} 条：", file=out)
    for problem in library.problems:
        print(f"  [{problem.source}] {problem.message}", file=out)
    return 0


EVAL_KINDS = ("question", "clause_ref", "out_of_scope")


def run_eval(library: Library, args: argparse.Namespace, out: TextIO) -> int:
    """Dev-set figures as shipped, or cross-validated ones (--cv K), optionally refitting."""
    path: Path = args.file
    if not path.is_file():
        print(f"找不到评测文件：{path}", file=out)
        return 2
    if (problem := eval_file_problem(path)) is not None:
        print(problem, file=out)
        return 2
    if args.cv:
        return run_cross_validation(library, path, args.cv, args.fit, out, args.train_items)
    from retrieval.evaluation.evaluate import evaluate, report

    tallies = evaluate(path, lambda q: library.answer(q, k=3))
    for line in report(tallies):
        print(line, file=out)
    for kind, tally in tallies.items():
        for failure in tally.failures:
            print(f"  miss [{kind}] {failure}", file=out)
    return 0


def eval_file_problem(path: Path) -> str | None:
    """One line naming the first unusable line of an eval file, or None when all are usable."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return f"无法读取评测文件 {path}：{exc}"
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except ValueError as exc:
            return f"评测文件 {path} 第 {number} 行不是 JSON：{exc}"
        fields_ok = isinstance(case, dict) and isinstance(case.get("query"), str)
        if not fields_ok or case.get("kind") not in EVAL_KINDS:
            return f"评测文件 {path} 第 {number} 行缺少 query 或 kind（{'/'.join(EVAL_KINDS)}）"
        golds = case.get("gold", [])
        if not isinstance(golds, list) or not all(isinstance(g, dict) for g in golds):
            return f"评测文件 {path} 第 {number} 行的 gold 应为对象列表"
    return None


def run_cross_validation(
    library: Library,
    path: Path,
    folds: int,
    fit: bool,
    out: TextIO,
    train_items: Path | None = None,
) -> int:
    """K-fold figures per style; with fit, refit on everything and write ranking.json.

    `train_items` (collected by benchmarks/fit_ranking.py from the train splits) join every
    fold's training data and the refit, so `--fit` keeps what the shipped models learned there.
    """
    from retrieval.evaluation import fitting
    from retrieval.library import MODELS_FILE

    if folds < 2:
        print("--cv 至少为 2", file=out)
        return 2
    items = fitting.collect(library, path)
    extra = fitting.load_items(train_items) if train_items is not None else []
    outcomes = fitting.cross_validate(
        items, folds, extra=extra, expansion=library.models.expansion
    )
    print(f"{folds}-fold cross-validation, {len(items)} questions and out-of-scope", file=out)
    for line in [*fitting.table(outcomes), *fitting.misses(outcomes)]:
        print(line, file=out)
    if fit:
        target = LEXICON_DIR / MODELS_FILE
        # The expansion weights are chosen on the train splits (benchmarks/fit_ranking.py):
        # a refit on this file alone keeps them.
        models = fitting.fit_all(items + extra, library.models.expansion)
        target.write_text(models.to_json() + "\n", encoding="utf-8")
        print(f"wrote {target}", file=out)
    return 0


def run_chat(library: Library, out: TextIO, stdin: TextIO) -> int:
    """A terminal REPL over the same routing as the bot, rendered as plain text."""
    print(
        texts.CHAT_BANNER.format(docs=len(library.documents), clauses=len(library.clauses)),
        file=out,
    )
    context: str | None = None
    while True:
        if stdin.isatty():
            print(texts.CHAT_PROMPT, end="", file=out, flush=True)
        line = stdin.readline()
        if not line or not line.strip():
            return 0
        text = line.strip()
        if text.startswith("/"):
            _chat_command(library, text, context, out)
            continue
        answer = library.answer(text, context_doc=context)
        if answer.status == "ok" and answer.hits:
            context = answer.hits[0].clause.doc_id
        print(render.to_text(answer) + "\n", file=out, flush=True)


def _chat_command(library: Library, text: str, context: str | None, out: TextIO) -> None:
    """The bot's reading commands in the terminal (/clause, /docs, /toc, /help); a question
    is never searched for a command's words."""
    command, _, rest = text.partition(" ")
    rest = rest.strip()
    if command == "/clause" and rest:
        print(render.to_text(library.lookup(rest, context_doc=context)) + "\n", file=out)
    elif command == "/docs":
        run_docs(library, out)
    elif command == "/toc" and rest:
        run_toc(library, rest, out)
    else:
        print(texts.CHAT_HELP, file=out)
    out.flush()


def run_serve(settings: Settings, webhook: bool = False) -> int:
    """Run the bot; a missing or rejected token is one clear line and exit code 2."""
    import asyncio

    from bot.endpoints.llm import llm_from_settings
    from bot.state import Services
    from bot.telegram.app import InvalidToken, NetworkError, probe, run
    from bot.telegram.web import ListenFailed

    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        print(texts.TOKEN_MISSING, file=sys.stderr)
        return 2
    if webhook:
        for name, value in (
            ("POLICYBOT_WEBHOOK_URL", settings.webhook_url),
            ("POLICYBOT_WEBHOOK_SECRET", settings.webhook_secret),
        ):
            if value is None:
                print(texts.WEBHOOK_SETTINGS.format(name=name), file=sys.stderr)
                return 2
    try:
        asyncio.run(probe(settings))
        builder = library_builder(settings, serving=True)
        stale = builder.stale()
        library = stale or builder.build(at_start=True)
        store, llm = open_store(settings), llm_from_settings(settings)
        services = Services(library, settings, store, llm=llm)
        if stale is not None:  # answer from the old index; the reloader re-indexes at once
            from bot.upkeep.reload import Reloader

            logging.getLogger("policybot.reindex").info(
                "corpus changed: answering from the previous index while re-indexing"
            )
            services.reloader = Reloader(services, builder, seen=())
        if not library.documents:
            logging.getLogger(__name__).warning(
                texts.EMPTY_CORPUS.format(path=settings.corpus_dir)
            )
        fatal = run(settings, services, webhook)
    except InvalidToken:
        print(texts.TOKEN_INVALID, file=sys.stderr)
        return 2
    except ListenFailed as exc:
        print(exc, file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(
            texts.NETWORK_DOWN.format(url=settings.telegram_base_url, error=exc), file=sys.stderr
        )
        return 2
    if fatal is not None:  # e.g. the token was revoked while running: let a supervisor see it
        print(fatal, file=sys.stderr)
        return 2
    return 0


def open_store(settings: Settings) -> Store:
    """The store POLICYBOT_DATABASE_URL names (a corrupt SQLite file is moved aside)."""
    from bot.upkeep.startup import open_database

    return open_database(settings)


def run_digest(settings: Settings, library: Library, args: argparse.Namespace, out: TextIO) -> int:
    """Print the digest that would be sent to a chat (nothing is recorded)."""
    from bot.digest import fingerprints, gather
    from bot.store.store import Subscription

    if args.chat is None:
        print("用法：policybot digest --chat ID [--date YYYY-MM-DD]", file=out)
        return 2
    try:
        day = date.fromisoformat(args.date) if args.date else datetime.now(settings.zone).date()
    except ValueError:
        print(f"日期格式不对：{args.date}（应为 YYYY-MM-DD）", file=out)
        return 2
    store = open_store(settings)
    store.sync_documents(fingerprints(library), datetime.now(settings.zone))
    subscription = store.subscription(args.chat) or Subscription(
        args.chat, settings.digest_time, (), True
    )
    content = gather(library, store, subscription, day, datetime.now(settings.zone))
    print(render.digest_text(content), file=out)
    store.close()
    return 0


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, stdin: TextIO | None = None
) -> int:
    """Entry point of the console script; returns the exit code."""
    out = out or sys.stdout
    if stdin is None and isinstance(sys.stdin, io.TextIOWrapper):
        # Strict decoding would end a batch with a traceback on the first bad byte.
        sys.stdin.reconfigure(errors="surrogateescape")
    stdin = stdin or sys.stdin
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.command == "serve" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact.install()  # endpoint URLs may carry credentials (https://user:key@host/v1)
    # Routine lines of libraries: every HTTP request, every run of the minute's sync job.
    for name in ("jieba", "httpx", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        settings = load_settings()
        if not settings.corpus_dir.is_dir():
            raise SettingsError(
                f"配置错误：POLICYBOT_CORPUS_DIR — 目录不存在：{settings.corpus_dir}"
            )
        check_directories(settings)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "serve" or "log_level" in settings.model_fields_set:
        logging.getLogger().setLevel(settings.log_level)
    try:
        return _run(args, settings, out, stdin)
    except SettingsError as exc:  # e.g. a database that a full disk keeps from opening
        print(exc, file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `policybot ask - < questions | head`: the reader left; no traceback, and none again
        # when Python flushes stdout at exit (the documented recipe: point it at devnull).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    if args.command == "serve":  # serve loads its library itself (maybe a stale one first)
        return run_serve(settings, args.webhook)
    library = library_builder(settings, args.command in SEARCHING).build(at_start=True)
    if args.command in ANSWERING_MANY or (args.command == "ask" and args.question == "-"):
        library.warm()  # questions one a line from stdin: likely many
    commands: dict[str, Callable[[], int]] = {
        "ask": lambda: run_ask(library, settings, args, out, stdin),
        "clause": lambda: run_clause(library, args, out, stdin),
        "docs": lambda: run_docs(library, out),
        "toc": lambda: run_toc(library, args.doc, out),
        "check": lambda: run_check(library, out),
        "diff": lambda: run_diff(library, args, out),
        "eval": lambda: run_eval(library, args, out),
        "chat": lambda: run_chat(library, out, stdin),
        "digest": lambda: run_digest(settings, library, args, out),
    }
    return commands[args.command]()


if __name__ == "__main__":
    sys.exit(main())
