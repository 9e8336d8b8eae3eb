"""A small corpus for related clauses (相关条款): a regulation and its implementing rules that
state one labelling rule in shared phrasing, and a regulation on another matter."""

from __future__ import annotations

from pathlib import Path

# Two regulations on tobacco labels that say the same thing in different words, and one on
# forest fires that shares only the language every regulation uses (应当, 人民政府, 规定 …).
TOBACCO = """# 烟草标识条例

2020年1月1日 通过

<!-- INFO END -->

第一条 卷烟、雪茄烟的包装上应当标明焦油含量级和“吸烟有害健康”的警示语，警示语应当清晰醒目。

第二条 烟草制品的广告应当经县级以上人民政府有关部门审查，未经审查不得发布。
"""
TOBACCO_RULES = """# 烟草标识实施细则

2021年1月1日 通过

<!-- INFO END -->

第一条 在境内销售的卷烟、雪茄烟，应当在小包、条包上标注焦油含量级和“吸烟有害健康”的中文警示语，\
警示语字体应当清晰醒目。

第二条 烟草专卖零售许可证的申请人应当有与经营规模相适应的资金和固定的经营场所。
"""
FOREST = """# 森林防火规定

2022年1月1日 通过

<!-- INFO END -->

第一条 县级以上人民政府应当组织划定森林防火区，规定森林防火期，并向社会公布。

第二条 森林防火区内的单位应当建立森林防火责任制度，配备专职或者兼职护林员。
"""


def write_related_corpus(directory: Path) -> Path:
    """The three regulations as Markdown files in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in (("烟草标识条例", TOBACCO), ("烟草标识实施细则", TOBACCO_RULES)):
        (directory / f"{name}.md").write_text(text, encoding="utf-8")
    (directory / "森林防火规定.md").write_text(FOREST, encoding="utf-8")
    return directory
