"""Two editions of a small regulation: one article added, one removed, one changed, one moved.

The 2024 edition also cites: itself (本条例第二条), its own article (前款), and two laws by
title, one loaded (测试法) and one not (行政处罚法)."""

from __future__ import annotations

from pathlib import Path

OLD = """# 测试条例

2020年1月1日 通过

<!-- INFO END -->

第一条 为了规范测试工作，保证测试结果真实可靠，制定本条例。

第二条 测试人员应当如实记录测试结果。

第三条 测试报告应当保存五年，期满后按照档案管理规定销毁。

第四条 测试机构应当建立质量管理制度，定期开展内部审核，并向社会公开审核结论。
"""

NEW = """# 测试条例

2024年1月1日 修订

<!-- INFO END -->

第一条 为了规范测试工作，保证测试结果真实可靠，制定本条例。

第二条 测试人员应当如实、完整记录测试结果，并在记录上签字。

第三条 测试机构应当建立质量管理制度，定期开展内部审核，并向社会公开审核结论。

第四条 国家鼓励采用自动化手段开展测试，提高测试效率。

第五条 违反本条例第二条规定的，依照《测试法》第二条处理；\
情节严重的，依照《中华人民共和国行政处罚法》第三十二条处理。

前款规定的处理结果应当公开。
"""

LAW = """# 测试法

2019年1月1日 通过

<!-- INFO END -->

第一条 为了加强测试管理，制定本法。

第二条 违反测试管理规定的，由主管部门责令改正，给予警告。
"""


def write_editions(corpus: Path) -> Path:
    """Both editions and the cited law, as dated files in `corpus`."""
    (corpus / "测试条例(2020-01-01).md").write_text(OLD, encoding="utf-8")
    (corpus / "测试条例(2024-01-01).md").write_text(NEW, encoding="utf-8")
    (corpus / "测试法(2019-01-01).md").write_text(LAW, encoding="utf-8")
    return corpus
