"""Answer latency with an LLM rewriter that takes one second: sure questions never wait for it.

.venv/bin/python -m benchmarks.rewrite_fallback            # p50 per group, bundled corpus
.venv/bin/python -m benchmarks.rewrite_fallback --always   # as before: every answer waited

Each question is asked with a fresh rewriter (no remembered rewrites), against the local
stub server of the tests (tests/fake_llm.py, model restate-slow).
"""

from __future__ import annotations

import argparse
import statistics
import time
from unittest import mock

from bot.endpoints.llm import LLMConfig
from bot.endpoints.rewrite import LLMRewriter
from config.settings import BUNDLED_CORPUS, LEXICON_DIR
from retrieval import library as library_module
from retrieval.library import Library, LibraryPaths
from retrieval.search.confidence import sure
from tests.fake_llm import FakeLLM

# Our own questions about the bundled documents, none from an evaluation set.
QUESTIONS = (
    "公共数据授权运营情况要公开吗",
    "数据安全谁负责",
    "公共数据可以收费吗",
    "数据交易场所",
    "雪亮工程",
    "老百姓办事不想跑腿",
    "数据能卖钱吗",
    "政府部门之间数据怎么共享",
    "网上办事方便吗",
    "老人不会用手机怎么办",
    "数字政府建设到哪一年完成",
    "政务服务一网通办",
    "领导拍脑袋做决定",
    "数据要素怎么赚钱",
    "小孩上学要带什么材料",
    "看病报销能不能网上搞",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="times each question is asked")
    parser.add_argument("--always", action="store_true", help="rewrite every question")
    args = parser.parse_args()
    library = Library.load(LibraryPaths(BUNDLED_CORPUS, LEXICON_DIR))
    groups: dict[str, list[str]] = {"sure": [], "unsure or abstaining": []}
    for question in QUESTIONS:
        prepared, mentioned = library.prepare(question)
        ranking = library.index.search(prepared, mentioned, library.models, 20)
        groups["sure" if sure(ranking) else "unsure or abstaining"].append(question)
    with (
        FakeLLM() as llm,
        mock.patch.object(
            library_module, "sure", (lambda ranking: False) if args.always else sure
        ),
    ):
        config = LLMConfig(llm.base_url, None, "restate-slow", 20.0)
        for group, questions in groups.items():
            times = []
            for _ in range(args.runs):
                for question in questions:
                    library.attach(rewriter=LLMRewriter(config))
                    started = time.perf_counter()
                    library.answer(question)
                    times.append(time.perf_counter() - started)
            print(
                f"{group:22s} n={len(questions):2d}  p50 {statistics.median(times) * 1000:7.1f} ms"
                f"  max {max(times) * 1000:7.1f} ms"
            )
        print(f"requests to the LLM: {len(llm.requests)}")


if __name__ == "__main__":
    main()
