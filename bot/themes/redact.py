"""Ticket text for clustering: `bot.redact.redact` without its placeholders, greetings or sign-offs.

`redact` (what may be shown in Slack) lives in `bot.redact`, below storage, which stores CSAT comments
redacted. `clean_for_clustering` drops the placeholders entirely, because
placeholders shared by unrelated tickets would pull them together.
"""

from __future__ import annotations

import re
from typing import Final

from bot.redact import PLACEHOLDER, redact

_SPACES: Final = re.compile(r"\s+")

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
    text = _SPACES.sub(" ", PLACEHOLDER.sub(" ", redact(text))).strip().lower()
    stripped = _GREETING.sub("", text)
    # Sign-offs sit in the last few words: test those cheaply before the (slower) regex.
    if _SIGN_OFF_WORDS.intersection(_WORD_EDGES.sub("", w) for w in stripped.rsplit(None, 3)[-3:]):
        stripped = stripped[:-_SIGN_OFF_SPAN] + _SIGN_OFF.sub("", stripped[-_SIGN_OFF_SPAN:])
    stripped = stripped.strip(" ,.!-")
    return stripped or text  # a ticket that is only "thanks!" keeps its words
