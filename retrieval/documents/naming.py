"""Names every document gets when it is indexed, derived from its title's structure.

Beside the title and the catalog's aliases: the title without 中华人民共和国 / issuers /
edition marks (劳动合同法), the abbreviations people form from the title's words (消保法,
政采法, 民诉法, 政采条例), the 简称 other texts define for it (《…》（以下简称…）) and its
official English title (titles_en.txt). A derived abbreviation never takes a name another
document is called by; one two titles derive alike is kept on both, so asking for it lists them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from retrieval.documents.catalog import short_title
from retrieval.documents.dedup import title_key
from retrieval.model import Document
from retrieval.words.normalize import Folded, fold_for_search, strip_name_marks

Segment = Callable[[str], list[str]]  # precise-mode words of a text

# Longest first: 实施条例 before 条例, 办法 before 法.
_SUFFIXES = ("实施条例", "实施细则", "实施办法", "条例", "办法", "规定", "法")
_ABBREVIATED = ("实施条例", "实施细则", "实施办法", "条例", "法")  # people shorten these
_MIN_STEM = 4  # a shorter stem (证券, 刑事诉讼 is 4) is already what people say
_EDITION_MARK = re.compile(r"[（(][^（）()]*[）)]$")
_DEFINED = re.compile(
    r"《([^《》]{2,60})》\s*[（(]\s*以下简称\s*[“\"《]?([^）)”\"《》，,。]{2,15})[”\"》]?\s*[）)]"
)
_SELF_DEFINED = re.compile(
    r"^本(?:法|条例|规定|办法|细则|解释)\s*[（(]\s*以下简称\s*[“\"《]?([^）)”\"《》]{2,15})"
)
_ENGLISH_SPELLING = (("labor", "labour"), ("organization", "organisation"), ("defense", "defence"))


def core_title(title: str) -> str:
    """劳动合同法 for 中华人民共和国劳动合同法（2012修正）: issuers, 关于 and edition marks off."""
    core = re.sub(r"[\s《》]", "", short_title(title))
    while _EDITION_MARK.search(core) and len(_EDITION_MARK.sub("", core)) >= 2:
        core = _EDITION_MARK.sub("", core).strip()
    return core


# 中华人民共和国 opening a title, or a title it quotes: people leave it out of both.
_STATE = re.compile(r"^中华人民共和国|(?<=[《〈])中华人民共和国")


def plain_titles(title: str) -> tuple[str, ...]:
    """The title as people write it without 中华人民共和国: 国务院组织法, and
    最高人民法院关于适用《担保法》若干问题的解释 (the title it quotes shortened too)."""
    plain = _STATE.sub("", title).strip()
    return (plain,) if plain != title and len(strip_name_marks(plain)) >= 2 else ()


def _suffix(core: str) -> str:
    return next((s for s in _SUFFIXES if core.endswith(s) and len(core) > len(s)), "")


def _words(stem: str, segment: Segment) -> list[str]:
    """The stem's words; longer words are two-character words (个人信息保护 → 个人, 信息,
    保护), an odd one's last three characters one word (消费者)."""
    words: list[str] = []
    for word in segment(stem):
        word = word.strip()
        while len(word) >= 4:
            words.append(word[:2])
            word = word[2:]
        if word:
            words.append(word)
    return words


def abbreviations(core: str, segment: Segment) -> set[str]:
    """All abbreviations of the title (`abbreviation_forms`), complete or not."""
    return set(abbreviation_forms(core, segment))


def abbreviation_forms(core: str, segment: Segment) -> dict[str, bool]:
    """What people shorten a law or regulation's title to: the first character of its first
    word with the first or last of a later word (消费者权益保护法 → 消保法, 行政处罚法 →
    行罚法), the initials of its first two or all words (道路交通安全法 → 道交法, 道交安法).

    Each is marked complete when it takes a character from every word (环保法 of 环境保护法,
    not of 环境保护税法): on a collision the complete form's document keeps the name."""
    suffix = _suffix(core)
    if suffix not in _ABBREVIATED:
        return {}
    stem = core[: -len(suffix)]
    tails = [suffix]
    if suffix.startswith("实施") and stem.endswith("法"):
        stem = stem[:-1]  # 政府采购法实施条例 → 政采法实施条例, 政采条例
        tails = [f"法{suffix}", suffix[2:]]
    if len(stem) < _MIN_STEM or not re.fullmatch(r"[\u4e00-\u9fff]+", stem):
        return {}
    words = _words(stem, segment)
    if len(words) < 2:
        return {}
    first = words[0][0]
    heads: dict[str, bool] = {}
    for word in words[1:]:
        for char in (word[0], word[-1]):
            heads[first + char] = heads.get(first + char, False) or len(words) == 2
    if len(words) >= 3:
        heads["".join(w[0] for w in words)] = True
    return {
        head + tail: complete for head, complete in heads.items() for tail in tails if head != stem
    }


def defined_names(documents: Sequence[Document]) -> dict[str, set[str]]:
    """Per core title, the 简称 texts define for it: 《中华人民共和国民事诉讼法》（以下简称民事
    诉讼法）. Kept only when the short name reads as one of that title (its characters in
    order, the same kind of document)."""
    found: dict[str, set[str]] = defaultdict(set)
    for doc in documents:
        own = core_title(doc.title)
        for clause in doc.clauses:
            text = clause.text
            if "以下简称" not in text:
                continue
            for match in _DEFINED.finditer(text):
                _keep_defined(found, core_title(match.group(1)), match.group(2))
            for match in _SELF_DEFINED.finditer(text):
                _keep_defined(found, own, match.group(1))
    return found


def _keep_defined(found: dict[str, set[str]], core: str, short: str) -> None:
    short = strip_name_marks(short)
    suffix = _suffix(core)
    if not suffix or not short.endswith(suffix) or len(short) <= len(suffix) + 1:
        return
    rest = iter(core)
    if short != core and all(char in rest for char in short):
        found[core].add(short)


def english_titles(path: Path) -> dict[str, tuple[str, ...]]:
    """Chinese core title → its official English names and acronyms (titles_en.txt)."""
    if not path.is_file():
        return {}
    table: dict[str, list[str]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        english, chinese = (part.strip() for part in line.split("=", 1))
        table[chinese] += _spellings(english)
    return {k: tuple(dict.fromkeys(v)) for k, v in table.items()}


def _spellings(english: str) -> list[str]:
    """An English name in both spellings (Labor / Labour Contract Law)."""
    names = [english.lower()]
    for american, british in _ENGLISH_SPELLING:
        names += [n.replace(american, british) for n in names if american in n]
    return names


def name_documents(
    documents: Sequence[Document],
    segment: Segment,
    english: dict[str, tuple[str, ...]],
    defined: dict[str, set[str]] | None = None,
) -> tuple[Document, ...]:
    """The documents with every name they are called by added to their aliases; `defined`,
    when given, is what defined_names gives for them (a patch reads it from the columns)."""
    cores = [core_title(d.title) for d in documents]
    defined = defined_names(documents) if defined is None else defined
    # Names a document is really called by: a derived abbreviation never takes one of them.
    taken: dict[str, set[str]] = defaultdict(set)
    for doc, core in zip(documents, cores, strict=True):
        for name in (*doc.aliases, doc.title, *plain_titles(doc.title), doc.short, core):
            taken[_key(name)].add(core)
    forms = {core: abbreviation_forms(core, segment) for core in set(cores)}
    complete: dict[str, set[str]] = defaultdict(set)
    partial: dict[str, set[str]] = defaultdict(set)
    for core, derived_forms in forms.items():
        for name, whole in derived_forms.items():
            (complete if whole else partial)[name].add(core)
    out = []
    for doc, core in zip(documents, cores, strict=True):
        derived = [
            a
            for a, whole in sorted(forms[core].items())
            if not taken[_key(a)] - {core} and (whole or not complete[a] - {core})
        ]
        names = [
            *doc.aliases,
            *plain_titles(doc.title),
            core,
            *sorted(defined.get(core, ())),
            *english.get(core, ()),
        ]
        aliases = tuple(dict.fromkeys(n for n in names if n))
        out.append(replace(doc, aliases=aliases, derived=tuple(derived)))
    return tuple(out)


def collisions(documents: Iterable[Document]) -> dict[str, tuple[str, ...]]:
    """Names that several titles answer to (editions of one title are one; 刑法修正案（五） and
    （六） are two), with the titles: such a name is asked about, never answered with one."""
    titles: dict[str, dict[str, str]] = defaultdict(dict)
    for doc in documents:
        for name in (*doc.aliases, *doc.derived):
            titles[_key(name)].setdefault(title_key(doc.title), doc.title)
    return {name: tuple(sorted(t.values())) for name, t in titles.items() if len(t) > 1}


def _key(name: str) -> str:
    return strip_name_marks(fold_for_search(name))


# A name people give a law, regulation or policy: 《…》, or words ending in one of these.
_TITLE_END = (
    r"(?:实施细则|实施条例|实施办法|暂行办法|暂行规定|管理办法|条例|法|办法|规定|意见|方案)"
)
_MARKED = re.compile(r"《([^《》]{2,60})》")
# How the title of a law, regulation or policy ends (an edition or 试行 in brackets may follow);
# 条 for the policies people name by their article count (数据二十条).
_KIND_END = re.compile(
    r"(?:法|法典|条例|办法|规定|细则|规则|规程|意见|方案|决定|通知|通告|公告|决议|解释|批复|安排|答复"
    r"|纲要|规划|计划|指南|措施|标准|章程|守则|制度|修正案|条约|公约|协定|宪法|条)"
    r"(?:[（(][^）)]*[）)])*$"
)
# A law's implementing rules go with it: 劳动合同法实施条例 is one name, not two.
_RUN = re.compile(rf"[\u4e00-\u9fff]{{2,40}}?{_TITLE_END}(?:实施条例|实施细则|实施办法)?")
_LEAD = re.compile(
    r"^(?:请问|我想问|问一下|按照|依照|依据|根据|对照|关于|对于|还是|或者|以及|按|依|据|在|和|与|跟|及"
    r"|看看|查查)+"
)
# A question's own words are never part of a name; 的 only inside 关于…的….
_NOT_NAME = re.compile(
    r"什么|哪|怎|吗|谁|多少|几|能不能|可不能|是否|^[^关]*的|这|那|该|说|里|没有"
    r"|^(?:我|你|他|她|它|咱|有|是|明确|具体|相关|有关)"
    r"|(?:违|非|合|依|守|执|方|做|看|说|想|用|算|手|无|司|立)法$|按规定$"
)
# Words ending like a title that are everyday words, not names: 办法, 违法, 方案 …
_COMMON = re.compile(
    r"^(?:方法|办法|做法|看法|说法|想法|合法|违法|非法|依法|执法|立法|司法|用法|算法|手法|守法"
    r"|规定|意见|方案|条例|有关规定|相关规定|具体规定|法律法规|各项规定|国家规定|管理办法)$"
)


# What makes a name followed by it another document's: 劳动合同法实施条例 is not 劳动合同法.
_ANOTHER = re.compile(
    r"^(?:实施条例|实施细则|实施办法|实施规定|施行细则|细则|修正案|修订案|(?:司法)?解释|补充规定)"
)


def makes_another(tail: str) -> bool:
    """Whether the words after a document's name make it another document's name (实施条例,
    实施细则, 修正案, 解释 …): a document is not its own implementing rules or amendment."""
    return bool(_ANOTHER.match(tail))


# Verbs and adverbs a question puts before a document's name (公司违反劳动法, 也按水污染防治法,
# 算反洗钱法里的): as whole words, never part of a name. Not 和 / 与 / 对 / 执行 / 发布, which
# titles hold (防范和处置非法集资条例).
_BEFORE_NAME = frozenset(
    [
        "违反",
        "按",
        "按照",
        "依",
        "依照",
        "依据",
        "根据",
        "据",
        "照",
        "参照",
        "适用",
        "靠",
        "算",
        "归",
        "出台",
        "制定",
        "颁布",
        "遵守",
        "守",
        "犯",
        "用",
        "也",
        "还",
        "都",
        "能",
        "要",
        "会",
        "可以",
        "是",
        "被",
        "把",
        "给",
        "让",
        "到",
        "去",
        "上",
        "有",
        "没有",
        "没",
        "除了",
        "属于",
        "受",
        "管",
        "找",
        "问",
        "告",
        "按规定",
    ]
)


def named_titles(folded: Folded, cut: Callable[[str], list[str]] | None = None) -> list[Folded]:
    """Names of documents a question asks about: 《…》, or words shaped like a title
    (劳动合同法, 北京市数字政府建设条例); everyday words (办法, 违法) are not names.

    `cut`, a dictionary segmentation: a name ends where a word ends (not the 法 of 法院,
    法律, 法人) and starts after the question's own verbs (违反, 按, 靠 …)."""
    marked = [Folded(m.strip()) for m in _MARKED.findall(folded)]
    # 《用户手册》, 《补充告知书》, 《安置补偿协议》 are marked too, but are no law, regulation or
    # policy: only a marked name of a document's kind can be missing from the library.
    names = [m for m in marked if _KIND_END.search(m)]
    if names or marked:
        return names
    out = []
    for run in re.findall(r"[\u4e00-\u9fff]+", folded):
        edges: tuple[set[int], list[int]] | None = None  # cut only a run that holds a match
        for match in _RUN.finditer(run):
            begin = match.start()
            if cut:
                edges = edges or _word_edges(run, cut)
                ends, starts = edges
                if match.end() not in ends:
                    continue
                begin = max([p for p in starts if begin <= p < match.end()], default=begin)
            name = _LEAD.sub("", run[begin : match.end()])
            if len(name) < 3 or _COMMON.match(name) or _NOT_NAME.search(name):
                continue
            # 收益法, 成本法 are methods: unmarked, a law's name needs three characters before 法;
            # 外汇规定, 驻军意见, 重整方案 are everyday phrases: such a title needs four.
            if re.fullmatch(
                r"[\u4e00-\u9fff]{1,2}法|[\u4e00-\u9fff]{1,3}(?:规定|意见|方案)", name
            ):
                continue
            out.append(Folded(name))
    return out


def _word_edges(run: str, cut: Callable[[str], list[str]]) -> tuple[set[int], list[int]]:
    """Where the run's words end, and where words start right after a verb of _BEFORE_NAME."""
    ends, starts, at = set(), [], 0
    for word in cut(run):
        at += len(word)
        ends.add(at)
        if word in _BEFORE_NAME:
            starts.append(at)
    return ends, starts


def looks_like_title(name: str) -> bool:
    """Whether a document hint is shaped like a title (for 'not in the library')."""
    key = strip_name_marks(name)
    return bool(re.fullmatch(rf"[\u4e00-\u9fff]{{1,40}}{_TITLE_END}", key)) and not (
        _COMMON.search(key) and len(key) <= 4
    )
