"""All user-facing Chinese text in one place."""

from __future__ import annotations

ABSTAIN = "未找到相关条款。"
YOUR_QUESTION = "您的问题：「{query}」"
ABSTAIN_TIPS = (
    "可以换个说法、用文件里的词再问，或用 /docs 查看收录的文件、"
    "用 /clause 按编号查条款（如：数据二十条第十条）。"
)
EMPTY = "请输入问题或条款编号，例如：公共数据授权运营有哪些要求？或：数字政府 二（三）"
TOO_LONG = "问题较长，已按前 {limit} 字检索。"
NOT_FOUND = "没有找到该编号的条款。"
NEAREST = "相近的条款："
UNKNOWN_DOC = "没有找到这份文件。用 /docs 查看收录的文件名。"
NOT_IN_LIBRARY = "库中没有《{name}》，不用其他文件的条款代答。"
AMBIGUOUS_NAME = "「{name}」可以指下面几份文件，请选一份（或写出全称再问）："
CLOSEST_TITLES = "收录的文件中名称最接近的："
NO_CLOSE_TITLES = "收录的文件中没有名称相近的，用 /docs 查看收录的文件。"
EDITION_CURRENT = " 版（现行）"
EDITION_OLD = " 版（旧版）"
AMBIGUOUS = "多份文件都有这个编号，请在编号前写上文件名，例如「数据二十条第十条」。候选："
INCOMPLETE = "（原文此段不完整）"
CARD_ISSUER = "发文：{issuer}"
CARD_DATE = "日期：{date}"
CARD_EDITION = "版本：{edition}"
CARD_SIZE = "类型：{kind}；共 {count} 条"
CARD_CHAPTERS = "章节："
CARD_HINT = "用 /toc {name} 查看目录，或直接提问、按编号查条款。"
BUTTON_TOC = "目录"
SUMMARY_UNAVAILABLE = "摘要暂不可用，以下为原文引用。"
CHAT_BANNER = (
    "policybot 本地对话（语料：{docs} 份文件，{clauses} 条条款）。\n"
    "输入问题或条款编号（/help 查看命令），空行或 Ctrl-D 退出。"
)
CHAT_PROMPT = "问> "
CHAT_HELP = (
    "本地对话：直接输入问题，或输入条款编号（如 数据二十条第十条、数字政府 2.3）。\n"
    "命令：/clause 编号 按编号查条款；/docs 列出收录的文件；/toc 文件名 查看目录；"
    "/help 显示本说明。空行或 Ctrl-D 退出。"
)
EMBED_PROGRESS = "计算条款向量"
DOCS_HEADER = "收录的文件："
TOC_UNKNOWN = "没有找到文件「{name}」。用 docs 查看收录的文件。"
TOC_SEVERAL = "「{name}」对应多份文件，请写其中一份的编号：{ids}"
KIND_NAMES = {"policy": "政策文件", "regulation": "法规", "news": "新闻", "commentary": "评论"}
NEAREST_BUTTONS = "相近的条款见下方按钮。"
START = (
    "您好！我是政策文件问答机器人。\n"
    "直接提问（如：公共数据授权运营有哪些要求？），"
    "或按编号查条款（如：数据二十条第十条、数字政府 2.3）。"
    "回答引用原文、注明文件和条款编号。发送 /help 查看全部命令。"
)
HELP_HEADER = "<b>可用命令</b>"
HELP_FOOTER = (
    "\n<b>在群里</b>：请用 /ask 提问、/clause 查条款，或回复我的消息追问（如「那第二条呢」）。"
    "按 Telegram 默认的隐私模式，机器人在群里只能看到命令和对它消息的回复；"
    "@提及机器人的普通消息只有在 BotFather 里关闭隐私模式（/setprivacy → Disable）后才能收到。\n"
    "<b>私聊</b>：任何文字都会被当作问题或条款编号。"
)
ASK_USAGE = "用法：/ask 问题，例如 /ask 数据跨境流动怎么管理"
CLAUSE_USAGE = "用法：/clause 编号，例如 /clause 数据二十条第十条 或 /clause 数字政府 2.3"
TOC_USAGE = "用法：/toc 文件名，例如 /toc 数据二十条。文件名见 /docs。"
RATE_LIMITED = "您提问太快了，请稍等 {seconds} 秒再试。"
ERROR = "抱歉，处理这条消息时出错了，请稍后再试。"
BUTTON_MORE = "更多结果"
BUTTON_PREV = "上一条"
BUTTON_NEXT = "下一条"
BUTTON_CHAPTER = "本章目录"
BUTTON_SOURCE = "来源文件"
BUTTON_PAGE_PREV = "上一页"
BUTTON_PAGE_NEXT = "下一页"
NO_MORE = "没有更多结果了。"
EXPIRED = "这个按钮已过期，请重新提问。"
SOURCE = "{title}\n类型：{kind}；条款数：{count}\n来源文件：{sources}"
TOKEN_MISSING = "缺少 POLICYBOT_TELEGRAM_TOKEN：请设置机器人令牌后再运行 policybot serve。"
TOKEN_INVALID = "POLICYBOT_TELEGRAM_TOKEN 无效：Telegram 拒绝了这个令牌。"
NETWORK_DOWN = "无法连接 Bot API（{url}）：{error}"
WEBHOOK_REJECTED = "Telegram 拒绝设置 webhook（{url}）：{error}"
WEBHOOK_SETTINGS = "配置错误：{name} — webhook 模式必须设置"
LISTEN_FAILED = "无法在 {address}:{port} 上监听：{error}"
DIGEST_TITLE = "政策日报 · {day}"
DIGEST_TODAY = "今日条款"
DIGEST_KEYWORDS = "关注的关键词：{words}"
DIGEST_NO_KEYWORD_HITS = "暂无新的相关条款。"
DIGEST_QUESTIONS = "本群近日提问"
DIGEST_UNANSWERED = "未找到相关条款"
DIGEST_CHANGES = "文件更新"
DIGEST_MORE_CHANGES = "……另有 {n} 个文件有变化，发送 /docs 查看全部收录文件"
DIGEST_EDITION = (
    "• 更新《{title}》（新版 {edition}）：修改 {changed} 条，新增 {added} 条，"
    "删除 {removed} 条，调整条序 {renumbered} 条"
)
DIGEST_EDITION_ARTICLE = "  · {label}（{kind}{matched}）：{excerpt}"
DIGEST_EDITION_MATCHED = "，含关键词 {words}"
DIGEST_EDITION_ALL = "  查看全部变化：/diff {name}"
DIGEST_ADDED = "新增"
DIGEST_CHANGED = "更新"
DIGEST_REMOVED = "移除"
DIGEST_ALREADY_SENT = "今天的推送已经发送过了。"
DIGEST_BUSY = "数据库暂时忙，推送没有发出，请稍后再试（订阅的每日推送会自动重试）。"
SUBSCRIBE_USAGE = (
    "用法：/subscribe [HH:MM] [关键词…]，例如 /subscribe 08:30 授权运营 数据安全。"
    "只发 /subscribe 查看当前设置。"
)
SUBSCRIBED = "已订阅每日推送。"
SUBSCRIPTION = (
    "每日推送：{state}\n时间：每天 {at}（{zone}）\n关键词：{keywords}\n下次推送：{next_run}"
)
SUBSCRIPTION_ACTIVE = "已开启"
SUBSCRIPTION_INACTIVE = "已停止（{reason}）"
NO_KEYWORDS = "无"
NOT_SUBSCRIBED = (
    "本会话还没有订阅每日推送。发送 /subscribe 开启，"
    "或 /subscribe 08:30 关键词… 设定时间和关键词。"
)
UNSUBSCRIBED = "已取消每日推送。订阅设置已保留，发送 /subscribe 可重新开启。"
NOTHING_TO_UNSUBSCRIBE = "本会话没有开启的每日推送。"
ADMINS_ONLY = "只有群管理员可以更改本群的订阅设置。"
BAD_TIME = "时间格式不对：「{value}」。请用 24 小时制 HH:MM，例如 08:30 或 18:05。"
TOO_MANY_KEYWORDS = "关键词太多了：最多 {max} 个，每个不超过 {length} 个字。"
REASONS = {"unsubscribed": "已取消", "forbidden": "机器人被移出或被屏蔽"}
SUMMARY_LABEL = "摘要"
SUMMARY_PENDING = "摘要生成中……"
SUMMARY_STREAMING = "（生成中，尚未核对）"
SUMMARY_DROPPED = "摘要未通过原文核对，已省略；请以上面的原文为准。"
SUMMARY_NOTE = "摘要由模型根据上面的条款生成，仅供参考，以原文为准。"
SUMMARY_STATUS = "本会话的摘要：{state}（默认开启）。发送 /summary on 或 /summary off 切换。"
SUMMARY_ON = "已开启"
SUMMARY_OFF = "已关闭"
SUMMARY_NOT_CONFIGURED = "未配置摘要服务（POLICYBOT_LLM_BASE_URL），只发送原文引用。"
SUMMARY_USAGE = "用法：/summary on 或 /summary off"
# --- admins: documents from the chat, /remove, /reload --------------------------------
ADMIN_ONLY = "只有管理员可以管理文件库。"
UPLOAD_REFUSED = (
    "谢谢！不过只有管理员可以向文件库添加文件。如需收录，请联系机器人管理员；提问请直接发送文字。"
)
UPLOAD_BAD_TYPE = "不支持这种文件：请发送 {suffixes} 文件。"
UPLOAD_TOO_BIG = "文件太大：{size:.1f} MB，上限是 {limit:g} MB（POLICYBOT_MAX_UPLOAD_MB）。"
UPLOAD_NOT_WRITABLE = (
    "文件库目录不可写（{corpus}）：请把 POLICYBOT_CORPUS_DIR 设为可写的目录，"
    "不要使用随程序附带的 seeds/。"
)
UPLOAD_FOUND = "解析「{name}」的结果："
UPLOAD_DOC = "《{title}》 {kind}，{count} 条"
UPLOAD_SAME_TITLE = "（与已收录的同名文件合并为同一文件）"
UPLOAD_REPLACES = "将替换文件库中的同名文件「{name}」。"
UPLOAD_WARNINGS = "警告："
UPLOAD_UNPARSABLE = (
    "无法解析这个文件（{why}），未收录。请检查文件是否完整，或转成 .txt/.md 再发送。"
)
UPLOAD_NOTHING = "没有找到可引用的正文，不能收录。"
UPLOAD_ASK = "要收录到文件库吗？"
BUTTON_ACCEPT = "收录"
BUTTON_CANCEL = "取消"
BUTTON_CONFIRM_REMOVE = "确认删除"
UPLOAD_ADDED = "已收录「{name}」：现在可以检索了。"
UPLOAD_CANCELLED = "已取消，没有写入任何文件。"
UPLOAD_FAILED = "写入文件库失败：{error}"
RELOADED = "文件库已重新载入：{documents} 份文件，{clauses} 条条款，{problems} 条警告。"
RELOAD_ADDED = "新增：{titles}"
RELOAD_CHANGED = "更新：{titles}"
RELOAD_REMOVED = "移除：{titles}"
RELOAD_NONE = "没有文件变化。"
REMOVE_USAGE = "用法：/remove 文件名或文件简称，例如 /remove 数据二十条。文件名见 /docs。"
REMOVE_UNKNOWN = "文件库里没有「{name}」。用 /docs 查看文件。"
REMOVE_CONFIRM = "确定从文件库删除这些文件吗？\n{files}\n涉及：{titles}"
REMOVED = "已删除：{files}（副本保存在数据目录的 removed/ 下）。"
REMOVE_CANCELLED = "已取消，没有删除任何文件。"
# --- inline mode ------------------------------------------------------------------------
INLINE_DOC_DESCRIPTION = "{kind} · {count} 条 · 输入编号或问题查条款"
INLINE_DOC_MESSAGE = "《{title}》\n{kind}，{count} 条。可以按编号查条款，例如：{example}"
INLINE_EXCERPT = "（节选；全文请私聊机器人查询）"
INLINE_NEAREST = "相近条款"
HELP_MORE = (
    "\n<b>在任何聊天里引用</b>：输入 @机器人用户名 加条款编号或问题"
    "（如 数据二十条第十条），从列表里选一条即可发出原文引用。\n"
    "<b>管理员</b>：私聊发送 .pdf、.docx、.txt、.md 或 .html 文件，确认后收录进文件库。\n"
    "<b>文件名</b>：全称、简称（如 消保法、政采法、劳动合同法第13条、Article 12 of the Labor "
    "Contract Law）都可以；问到库中没有的文件，会回答「库中没有《…》」"
    "并列出名称相近的文件（如有），不用其他文件的条款代答；一个简称对应多份文件时，会列出这几份文件请你选一份（按钮），"
    "不替你猜。同名文件的旧版本写上年份或「旧版」即可查到。"
)
ADMINS_ONLY_COMMAND = "在群里只有群管理员可以使用 {command}。"
TOKEN_REVOKED = (
    "POLICYBOT_TELEGRAM_TOKEN 已失效：Telegram 拒绝了这个令牌（可能已被撤销），机器人停止运行。"
)
BOT_API_TOO_OLD = (
    "Bot API 服务器发来本版本读不懂的更新（{error}）：请把 POLICYBOT_TELEGRAM_BASE_URL 的服务器"
    "升级到 Bot API {version} 或更高，机器人停止运行。"
)
EMPTY_CORPUS = (
    "语料目录里没有可用的文件（POLICYBOT_CORPUS_DIR={path}）：机器人会对所有问题回答未找到。"
)
STORE_BUSY = "暂时无法保存设置（数据库忙），请稍后再试。"
# --- edition diff (/diff, policybot diff) -------------------------------------------------
DIFF_USAGE = "用法：/diff 文件名，例如 /diff 会计法。比较该文件最新的两个版本。"
DIFF_UNKNOWN = "没有找到文件「{name}」。用 /docs 查看收录的文件。"
DIFF_ONE_EDITION = "《{title}》在文件库里只有一个版本（{dates}），没有可比较的旧版本。"
DIFF_NO_DATE = "《{title}》没有这个日期的版本。已收录的版本：{dates}"
DIFF_UNDATED = "未注明日期"
DIFF_HEADER = "《{title}》{old} 版 → {new} 版"
DIFF_COUNTS = (
    "新增 {added} 条，删除 {removed} 条，修改 {changed} 条，调整条序 {renumbered} 条，"
    "未变 {unchanged} 条"
)
DIFF_NOTHING = "两个版本的条文没有变化。"
DIFF_KIND = {
    "added": "新增",
    "removed": "删除",
    "changed": "修改",
    "renumbered": "条序调整",
    "unchanged": "未变",
}
DIFF_LEGEND = "加粗为新增文字，删除线为删去的文字。"
DIFF_CUT = "……（本条较长，其余变化见 policybot diff）"
# --- citations between clauses ----------------------------------------------------------
BUTTON_CITES = "引用条款"
CITES_HEADER = "{name}引用的条款："
BUTTON_CITED_BY = "被引用"
CITED_BY_HEADER = "引用{name}的条款："
CITED_NOT_IN_LIBRARY = "库中没有这份文件"
CITED_NOT_FOUND = "文件中没有这一条"
# --- related clauses across documents ----------------------------------------------------
BUTTON_RELATED = "相关条款"
RELATED_HEADER = "其他文件中与{name}相关的条款："
