"""Plain factory functions and fakes for the themes tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import cycle, islice

import numpy as np

from bot.themes import HashingEmbedder, ThemeDoc

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)

TOPICS: dict[str, tuple[str, ...]] = {
    "password": (
        "cannot reset my password",
        "password reset email never arrives",
        "forgot password and the reset link expired",
        "reset password link is broken",
        "locked out after password reset",
    ),
    "invoice": (
        "invoice shows the wrong amount",
        "refund for a duplicate invoice charge",
        "need a corrected invoice with vat",
        "charged twice on my invoice please refund",
        "invoice total does not match the order",
    ),
    "crash": (
        "app crashes when i open settings",
        "mobile app crash on startup",
        "the app keeps crashing after the update",
        "crash when uploading a photo in the app",
        "app freezes and crashes on login screen",
    ),
}


def make_doc(**overrides: object) -> ThemeDoc:
    values: dict[str, object] = {"ticket_id": "1", "created_at": NOW - timedelta(days=1), "subject": "cannot reset my password"}
    values.update(overrides)
    return ThemeDoc(**values)  # type: ignore[arg-type]


def topic_docs(per_topic: int, *, first_id: int = 0, topics: Sequence[str] = tuple(TOPICS), days: int = 35) -> list[ThemeDoc]:
    """`per_topic` tickets per topic, spread evenly over the last `days` days."""
    docs = []
    for topic in topics:
        for i, subject in enumerate(islice(cycle(TOPICS[topic]), per_topic)):
            ticket = first_id + len(docs)
            docs.append(
                make_doc(
                    ticket_id=str(ticket),
                    subject=f"{subject} #{1000 + ticket}",
                    created_at=NOW - timedelta(hours=1 + (ticket * 7919) % (days * 24)),
                    tags=(topic,) if i % 2 else (),
                )
            )
    return docs


class CountingEmbedder:
    """HashingEmbedder that records how many texts it was asked to embed."""

    def __init__(self) -> None:
        self._inner = HashingEmbedder(dim=64)
        self.name = self._inner.name
        self.dim = self._inner.dim
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self._inner.embed(texts)

    @property
    def embedded(self) -> int:
        return sum(self.calls)
