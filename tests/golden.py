"""Golden files for rendered messages: tests/golden/<name>.json. SIGNALROOM_UPDATE_GOLDEN=1 rewrites them
(review the diff before committing)."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from bot.blocks import Message, validate

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(name: str, rendered: Message | dict[str, Any], *, sort_keys: bool = True) -> None:
    if isinstance(rendered, Message):
        validate(rendered)
        rendered = rendered.payload()
    path = GOLDEN / f"{name}.json"
    actual = json.dumps(rendered, indent=2, ensure_ascii=False, sort_keys=sort_keys) + "\n"
    if os.environ.get("SIGNALROOM_UPDATE_GOLDEN") == "1":
        path.write_text(actual)
    assert path.exists(), f"no golden file {path}: run with SIGNALROOM_UPDATE_GOLDEN=1 once and review it"
    assert actual == path.read_text()


# ---------- plain words (issue 12.2/12.3) ----------
# Support leads read figures with their window in words and no statistics; the statistics live in one small
# context line that starts with "Why?". `assert_plain_words` checks a rendered message for both; every
# ritual's golden test can call it (tests/rituals/test_plain_words.py renders each ritual through it).

STATISTICS = {  # what must not appear outside the "Why?" line: name -> pattern
    "sample size (n=)": r"\bn\s?=\s?\d",
    "robust deviations": r"(?i)robust deviation",
    "EWMA": r"\bEWMA\b",
    "ISO week": r"\b\d{4}-W\d{2}\b",
    "ISO date": r"\b\d{4}-\d{2}-\d{2}\b",
    "ISO month": r"\b20\d{2}-(?:0[1-9]|1[0-2])\b",
    "z-score": r"(?i)\bz-score|\bz\s?=\s?-?\d",
    "sigma": r"σ",
    "p-value": r"(?i)\bp-value|\bp\s?[=<]\s?0?\.\d",
    "spread": r"(?i)\bspread\b",
    "MAD": r"\bMAD\b",
    "Decorative?": r"(?i)decorative\?",
    "snake_case identifier": r"\b[a-z]+_[a-z]+(?:_[a-z]+)*\b",
}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
WINDOW_WORDS = re.compile(  # what bot/rituals/windows.py writes (and "the last hour", "last 30 days", a month)
    rf"\byesterday\b|\btoday\b|\b\d+ days to {_WEEKDAY} \d{{1,2}} {_MONTH}\b|\bweek of \d{{1,2}} {_MONTH}\b"
    rf"|\b{_WEEKDAY} \d{{1,2}} {_MONTH}\b|\b(?:January|February|March|April|May|June|July|August|September"
    rf"|October|November|December)\b|\b(?:in )?the last (?:hour|\d+ days)\b|\blast \d+ days\b")
_SLACK_DATE = re.compile(r"<!date\^[^>]*>")  # Slack renders these in words in each reader's timezone
_EMOJI = re.compile(r":[a-z0-9_+-]+:")
_CODE = re.compile(r"`[^`\n]*`")  # a command to type ("`/metrics unmute csat product_area=billing`") is not prose
WHY = "Why?"


def message_texts(rendered: Message | dict[str, Any]) -> tuple[list[str], list[str]]:
    """(main texts, "Why?" texts) of a rendered message or view: fallback text, headers, sections, fields
    and context elements (button labels and values are not text people read as prose)."""
    payload = rendered.payload() if isinstance(rendered, Message) else rendered
    main: list[str] = [payload["text"]] if payload.get("text") else []
    why: list[str] = []
    for block in payload.get("blocks", []):
        if block.get("type") == "context":
            for element in block.get("elements", []):
                text = element.get("text", "")
                (why if text.startswith(WHY) else main).append(text)
            continue
        texts = [block.get("text") or {}, *block.get("fields", [])]
        main += [t.get("text", "") for t in texts if isinstance(t, dict)]
    return [_CODE.sub("", _EMOJI.sub("", _SLACK_DATE.sub("", t))) for t in main], why


def plain_words_problems(rendered: Message | dict[str, Any], *, window: bool = True) -> list[str]:
    """What breaks the plain-words rule in a rendered message: statistics outside the "Why?" line, and (with
    `window`) no figure window said in words."""
    main, _why = message_texts(rendered)
    problems = [f"{name} outside the Why? line: {m.group(0)!r} in {text[:120]!r}"
                for text in main for name, pattern in STATISTICS.items() if (m := re.search(pattern, text))]
    if window and not any(WINDOW_WORDS.search(text) for text in main):
        problems.append(f"no window in words ('yesterday', '7 days to Thu 26 Nov', 'week of 23 Nov') in {main!r}")
    return problems


def assert_plain_words(rendered: Message | dict[str, Any], *, window: bool = True) -> None:
    """A ritual reads in plain words: its figures carry their window in words, and statistics (n=, robust
    deviations, EWMA, z, σ, p-values, spread, ISO weeks and dates, snake_case ids) appear only in a context
    element that starts with "Why?"."""
    problems = plain_words_problems(rendered, window=window)
    assert not problems, "\n".join(problems)
