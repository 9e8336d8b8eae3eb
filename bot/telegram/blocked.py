"""Chats that blocked the bot (a 403): skipped until someone there writes again."""

from __future__ import annotations

import logging

from telegram import Update

from bot.telegram.context import Context, services

log = logging.getLogger(__name__)


async def welcome_back(update: Update, context: Context) -> None:
    """Any update from a user in a chat marked blocked proves the bot may write there again."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or user.is_bot:
        return
    blocked = services(context).blocked_chats
    if chat.id in blocked:
        blocked.discard(chat.id)
        log.info("chat %s wrote again after blocking the bot: answering there again", chat.id)
