"""All user-facing Chinese text in one place."""

from __future__ import annotations

ABSTAIN = "未找到相关条款。"
ABSTAIN_TIPS = (
    "可以换个说法、用文件里的词再问，或用 /docs 查看收录的文件、"
    "用 /clause 按编号查条款（如：数据二十条第十条）。"
)
EMPTY = "请输入问题或条款编号，例如：公共数据授权运营有哪些要求？或：数字政府 二（三）"
TOO_LONG = "问题较长，已按前 {limit} 字检索。"
NOT_FOUND = "没有找到该编号的条款。"
NEAREST = "相近的条款："
UNKNOWN_DOC = "没有找到这份文件。用 /docs 查看收录的文件名。"
AMBIGUOUS = "多份文件都有这个编号，请在编号前写上文件名，例如「数据二十条第十条」。候选："
INCOMPLETE = "（原文此段不完整）"
SUMMARY_UNAVAILABLE = "摘要暂不可用，以下为原文引用。"
CHAT_BANNER = (
    "policybot 本地对话（语料：{docs} 份文件，{clauses} 条条款）。\n"
    "输入问题或条款编号，空行或 Ctrl-D 退出。"
)
CHAT_PROMPT = "问> "
DOCS_HEADER = "收录的文件："
TOC_UNKNOWN = "没有找到文件「{name}」。用 docs 查看收录的文件。"
KIND_NAMES = {"policy": "政策文件", "regulation": "法规", "news": "新闻", "commentary": "评论"}
