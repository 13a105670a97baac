"""Redaction of personal data and identifiers in ticket text (pure `re`, below storage and themes).

`redact` is what may be shown in Slack (labels, example subjects) or stored (CSAT comments): sensitive
spans become short placeholders (`PLACEHOLDER` finds them again) so a reader still sees that something
was there. The themes' `clean_for_clustering` drops them entirely.
"""

from __future__ import annotations

import re
from typing import Final

# Order matters: URLs and emails contain digits and dots that the later patterns would split.
_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("url", re.compile(r"\b(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)),
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("id", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)),
    # Ticket, order and invoice references: '#1234', 'INV-2024-001', 'ab12cd34ef', 'ORD123456'.
    ("id", re.compile(r"#\w+|\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*\b")),
    # Phones: optional +country code, digit groups split by spaces, dots, dashes or brackets.
    # `_replace` keeps candidates with fewer than 7 digits for the number rule.
    ("phone", re.compile(r"(?<![\w+])(?:\+|\b00)?\(?\d[\d\s().-]{5,18}\d(?!\w)")),
    ("number", re.compile(r"(?<![\w])[-+]?\d+(?:[.,:/]\d+)*%?(?!\w)")),
)

_MIN_PHONE_DIGITS: Final = 7
# Every pattern above needs a digit, an '@', '#' or a URL start; text without them is left alone.
_MAY_NEED_REDACTION: Final = re.compile(r"[\d@#]|://|www\.", re.IGNORECASE)
_SPACES: Final = re.compile(r"\s+")
PLACEHOLDER: Final = re.compile(r"\[(?:url|email|phone|id|number)\]")

# Tokens that look like ids by the rule above but are ordinary words in support tickets.
_ALLOWED_ALNUM: Final = frozenset({"2fa", "mfa2", "ios", "b2b", "b2c", "p2p", "3d", "4k", "5g", "4g", "3g", "2g", "mp3", "mp4", "h264", "utf8", "ipv4", "ipv6", "oauth2", "s3", "ec2", "win10", "win11"})


# One alternation, tried in the order above at each position: a single pass over the text.
_ANY: Final = re.compile("|".join(f"(?P<{kind}{i}>{pattern.pattern})" for i, (kind, pattern) in enumerate(_PATTERNS)), re.IGNORECASE)
_NUMBER: Final = _PATTERNS[-1][1]


def _replace(match: re.Match[str]) -> str:
    kind = (match.lastgroup or "").rstrip("0123456789")
    text = match.group(0)
    if kind == "id" and text.lower() in _ALLOWED_ALNUM:
        return text
    if kind == "phone" and sum(ch.isdigit() for ch in text) < _MIN_PHONE_DIGITS:
        return _NUMBER.sub("[number]", text)
    return f"[{kind}]"


def redact(text: str) -> str:
    """Text safe to show in Slack: emails, phones, URLs, ids and numbers become placeholders."""
    if _MAY_NEED_REDACTION.search(text):  # most subjects have nothing to redact
        text = _ANY.sub(_replace, text)
    return _SPACES.sub(" ", text).strip()
