"""Redaction of personal data and identifiers in ticket text.

`redact` is what may be shown in Slack (labels, example subjects): sensitive spans become
short placeholders so a reader still sees that something was there. `clean_for_clustering`
drops them entirely, because placeholders shared by unrelated tickets would pull them together.
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
_PLACEHOLDER: Final = re.compile(r"\[(?:url|email|phone|id|number)\]")

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


# Openers and sign-offs carry no topic but dominate short texts: every ticket that starts
# "good morning" would otherwise drift towards every other one that does.
_GREETING: Final = re.compile(
    r"^\s*(?:(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening)|urgent|re|fwd?)\b"
    r"(?:\s+(?:there|team|all|support|everyone|folks|guys))?[\s,:!.-]*)+",
    re.IGNORECASE,
)
_SIGN_OFF_SPAN: Final = 60
_SIGN_OFF_WORDS: Final = frozenset({"thanks", "thank", "you", "much", "help", "thx", "cheers", "asap", "regards", "best", "sincerely", "br"})
_WORD_EDGES: Final = re.compile(r"^\W+|\W+$")
_CLOSER: Final = r"thanks?(?: you)?(?: (?:so|very) much)?(?: for (?:the|your) help)?|thx|cheers|please help|asap"
_SIGN_OFF: Final = re.compile(
    # A closer that may stand alone at the end ("... asap", "... thank you!"), or a
    # signature ("..., best, sam", "... kind regards, anna"; a bare "best" needs punctuation).
    rf"(?:[\s,.!-]*\b(?:{_CLOSER})\b[\s,.!]*|(?:[,.!]\s*(?:best|br)|\s(?:(?:best|kind|warm)\s+)?(?:regards|sincerely))\b[\s,]*[a-z]*[\s.!]*)+$",
    re.IGNORECASE,
)


def clean_for_clustering(text: str) -> str:
    """Lower-cased redacted text without placeholders, greetings or sign-offs."""
    text = _SPACES.sub(" ", _PLACEHOLDER.sub(" ", redact(text))).strip().lower()
    stripped = _GREETING.sub("", text)
    # Sign-offs sit in the last few words: test those cheaply before the (slower) regex.
    if _SIGN_OFF_WORDS.intersection(_WORD_EDGES.sub("", w) for w in stripped.rsplit(None, 3)[-3:]):
        stripped = stripped[:-_SIGN_OFF_SPAN] + _SIGN_OFF.sub("", stripped[-_SIGN_OFF_SPAN:])
    stripped = stripped.strip(" ,.!-")
    return stripped or text  # a ticket that is only "thanks!" keeps its words
