"""Levelled logs to stderr, with a last-line filter that scrubs anything token-shaped."""
from __future__ import annotations

import logging
import re
import sys

_SECRET = re.compile(
    r"(xox[abprse]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+[A-Za-z0-9._~+/=-]+|Basic\s+[A-Za-z0-9+/=]{8,})"
)


class RedactSecrets(logging.Filter):
    """Defence in depth: code never logs secrets, and this catches a slip."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg, record.args = _SECRET.sub("[redacted]", message), None
        return True


def configure(level: str = "INFO") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_signalroom", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._signalroom = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)
    root.setLevel(level)
    # Chatty libraries stay at WARNING unless we debug.
    for name in ("httpx", "httpcore", "urllib3", "slack_bolt", "slack_sdk", "apscheduler", "alembic"):
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
