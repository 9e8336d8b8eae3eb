"""The typed handler context, shared services and the one way to reply."""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackContext, ContextTypes, Defaults, ExtBot

from bot.state import ChatState, Services

log = logging.getLogger(__name__)

Context = CallbackContext[ExtBot[None], dict[Any, Any], ChatState, dict[Any, Any]]
CONTEXT_TYPES = ContextTypes(chat_data=ChatState)
SERVICES_KEY = "services"
# Every message the bot sends is our escaped HTML unless a call says parse_mode=None.
DEFAULTS = Defaults(parse_mode=ParseMode.HTML)


def services(context: Context) -> Services:
    """The shared services stored in bot_data at start-up."""
    found = context.bot_data[SERVICES_KEY]
    if not isinstance(found, Services):
        raise TypeError("bot_data has no Services")
    return found


def chat_state(context: Context) -> ChatState:
    """The typed state of the current chat."""
    return context.chat_data if context.chat_data is not None else ChatState()


# --- sending ----------------------------------------------------------------------------


async def reply_html(
    message: Message,
    context: Context,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    plain: str | None = None,
) -> Message | None:
    """Reply threaded to the message; a formatting error falls back to plain text."""
    chat_id = message.chat_id
    if chat_id in services(context).blocked_chats:
        return None
    try:
        return await message.reply_text(
            text,
            reply_markup=markup,
            do_quote=True,
            disable_web_page_preview=True,
        )
    except BadRequest as exc:
        if "parse" not in str(exc).lower() and "entit" not in str(exc).lower():
            raise
        log.warning("HTML rejected in chat %s, resending as plain text: %s", chat_id, exc)
        return await message.reply_text(
            plain or html_to_plain(text), parse_mode=None, reply_markup=markup, do_quote=True
        )
    except Forbidden:
        log.info("chat %s blocked the bot; not sending there any more", chat_id)
        services(context).blocked_chats.add(chat_id)
        return None


def html_to_plain(text: str) -> str:
    """Strip our tags and unescape, for the plain-text fallback."""
    return html.unescape(re.sub(r"</?(b|i|blockquote)( expandable)?>", "", text))
