"""Secrets never reach the logs: credentials inside URLs and key-like query values are masked."""

from __future__ import annotations

import logging
import re

_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s@:]+(?::[^/\s@]*)?@", re.I)
_SECRET_PARAM = re.compile(
    r"(?P<name>[?&](?:api[_-]?key|key|token|access[_-]?token|secret|password)=)[^&\s'\"]+", re.I
)


def redact(text: str) -> str:
    """`text` with URL user:password parts and secret query values replaced by ***."""
    text = _USERINFO.sub(r"\g<scheme>***@", text)
    return _SECRET_PARAM.sub(r"\g<name>***", text)


class RedactingFilter(logging.Filter):
    """A handler filter that masks secrets in every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks are formatted later from the exception: keep only its masked text.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def install() -> None:
    """Mask secrets in everything the root logger's handlers write."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
