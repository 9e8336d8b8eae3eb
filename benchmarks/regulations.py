"""Synthetic corpora of any size, shaped like the real one: named regulations and policies.

Three files in four are regulations (第一章 总则 … 第N条), the fourth a policy text (一、 parts,
（N）sections with headings); each file has its own name (上海市数据管理条例 …), so names,
clause references and headings can be asked about at any size. Clause texts are sentences
drawn from the given pool, deterministically for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from retrieval.documents.numbering import int_to_cn

REGIONS = (
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "内蒙古自治区",
    "深圳市",
    "厦门市",
    "杭州市",
)
TOPICS = (
    "数据",
    "公共数据",
    "政务数据",
    "大数据发展",
    "数字经济",
    "电子政务",
    "网络安全",
    "信息化",
    "社会信用",
    "个人信息保护",
    "数据安全",
    "政务服务",
    "一网通办",
    "数字政府",
    "智慧城市",
    "数据交易",
    "算力基础设施",
    "人工智能",
    "电子证照",
    "政务信息资源共享",
    "数据要素市场",
    "数据出境",
    "公共信用信息",
    "网络数据",
    "数据资产",
    "政务云",
    "城市运行",
    "数字乡村",
    "互联网政务",
    "数据开放",
)
KINDS = ("条例", "管理办法", "若干规定", "实施办法")
PARTS = ("总体要求", "主要任务", "重点工程", "组织实施", "保障措施", "监督考核")
SECTIONS = ("加强统筹协调", "推进数据共享", "强化安全保障", "完善标准规范", "提升服务能力")
CHAPTERS = ("管理职责", "{topic}收集", "{topic}共享", "{topic}开放", "{topic}安全", "法律责任")


def name_of(number: int) -> tuple[str, str]:
    """The document's name and kind word (条例 …) for its number; distinct up to 4,080."""
    region = REGIONS[number % len(REGIONS)]
    topic = TOPICS[(number // len(REGIONS)) % len(TOPICS)]
    kind = KINDS[(number // (len(REGIONS) * len(TOPICS))) % len(KINDS)]
    return f"{region}{topic}{kind}", topic


def write_corpus(
    directory: Path, size: int, sentences: Sequence[str], per_doc: int = 250, seed: int = 1
) -> list[str]:
    """Files holding `size` clauses in total; returns the document names in file order."""
    rng = random.Random(seed + size)
    directory.mkdir(parents=True, exist_ok=True)
    names = []
    written = number = 0
    while written < size:
        name, topic = name_of(number)
        count = min(per_doc, size - written)
        policy = number % 4 == 3
        body = (
            _policy(count, rng, sentences) if policy else _regulation(count, topic, rng, sentences)
        )
        title = name.replace("条例", "工作的意见") if policy else name
        (directory / f"doc{number:05d}.txt").write_text(f"{title}\n\n{body}", encoding="utf-8")
        names.append(title)
        written += count
        number += 1
    return names


def _text(rng: random.Random, sentences: Sequence[str]) -> str:
    return "".join(rng.sample(list(sentences), rng.randint(2, 4)))


def _regulation(count: int, topic: str, rng: random.Random, sentences: Sequence[str]) -> str:
    chapters = ["总则", *(c.format(topic=topic) for c in CHAPTERS), "附则"]
    per_chapter = -(-count // len(chapters))
    lines = []
    for article in range(1, count + 1):
        if (article - 1) % per_chapter == 0:
            chapter = (article - 1) // per_chapter + 1
            lines += [f"第{int_to_cn(chapter)}章 {chapters[chapter - 1]}", ""]
        lines += [f"第{int_to_cn(article)}条 {_text(rng, sentences)}", ""]
    return "\n".join(lines)


def _policy(count: int, rng: random.Random, sentences: Sequence[str]) -> str:
    per_part = -(-count // len(PARTS))
    lines = []
    for number in range(count):
        part, section = divmod(number, per_part)
        if section == 0:
            lines += [f"{int_to_cn(part + 1)}、{PARTS[part]}", ""]
        heading = f"{SECTIONS[section % len(SECTIONS)]}{'' if section < 5 else section}"
        lines += [f"（{int_to_cn(section + 1)}）{heading}。{_text(rng, sentences)}", ""]
    return "\n".join(lines)
