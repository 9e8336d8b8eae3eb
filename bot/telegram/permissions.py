"""Who may change a chat's settings: anyone in private, admins in groups."""

from __future__ import annotations

import html

from telegram import Message
from telegram.constants import ChatMemberStatus, ChatType

from bot import texts
from bot.telegram.context import Context, reply_html, services


async def may_change(message: Message, context: Context) -> bool:
    """Anyone in a private chat; in groups, chat admins (checked with getChatMember)."""
    user = message.from_user
    if message.chat.type == ChatType.PRIVATE:
        return True
    if message.sender_chat is not None and message.sender_chat.id == message.chat_id:
        # An anonymous admin writes as the group itself; only admins can do that.
        return True
    if user is None:
        return False
    if user.id in services(context).settings.admin_ids:
        return True
    member = await context.bot.get_chat_member(message.chat_id, user.id)
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def admins_only(message: Message, context: Context, command: str) -> bool:
    """True when the sender may use the command here; otherwise say so and return False."""
    if await may_change(message, context):
        return True
    await reply_html(
        message, context, html.escape(texts.ADMINS_ONLY_COMMAND.format(command=command))
    )
    return False
