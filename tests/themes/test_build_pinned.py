"""A whole run's output on a fixed corpus, pinned (tests/golden/themes_build.json): three runs through identity,
a merge, a rename, an area override, pins with and without tickets, a one-cluster input and an empty one.
Refactoring the pipeline must leave it identical (SIGNALROOM_UPDATE_GOLDEN=1 rewrites it after an intended change)."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from bot.themes import InMemoryVectorCache, PinnedTheme, ThemeOverrides, ThemeRun, build_themes
from bot.themes.cache import from_blob
from tests.golden import assert_golden

from .factories import NOW, CountingEmbedder, make_doc, topic_docs

TZ = ZoneInfo("Europe/Berlin")


def plain(value: Any) -> Any:
    """JSON-ready: centroids as a digest of their values to 5 decimals, sets sorted, dates ISO."""
    if isinstance(value, bytes):
        rounded = np.round(from_blob(value).astype(np.float64), 5) + 0.0  # + 0.0: no -0.0
        return hashlib.sha256(",".join(f"{x:.5f}" for x in rounded).encode()).hexdigest()[:16]
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (frozenset, set)):
        return sorted(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items())}
    if isinstance(value, float):
        return repr(value)
    return value


def runs() -> dict[str, ThemeRun]:
    embedder, cache = CountingEmbedder(), InMemoryVectorCache()

    def run(docs, **kwargs) -> ThemeRun:
        return build_themes(docs, now=NOW, tz=TZ, embedder=embedder, cache=cache, **kwargs)

    first = run(topic_docs(24, topics=("password", "invoice")), k=2, seed=1)
    password, invoice = first.assignments["0"], first.assignments["24"]
    pins = (PinnedTheme("sso", "Single sign-on", terms=("sso", "saml"), product_area="Identity"),
            PinnedTheme("gdpr", "Data requests", tags=("gdpr",)))
    second_docs = topic_docs(24, first_id=100) + [make_doc(ticket_id=f"s{i}", subject=f"SAML login fails for tenant {i}",
                                                           category="identity") for i in range(5)]
    overrides = ThemeOverrides(rename={password: "Login trouble"}, product_areas={invoice: "Billing"}, pinned=pins)
    second = run(second_docs, k=3, seed=2, previous=first.known, overrides=overrides)
    crash = second.assignments["148"]
    merged = ThemeOverrides(merge={crash: password}, pinned=pins)
    third = run(topic_docs(24, first_id=300) + second_docs[:10], k=3, seed=3, previous=second.known, overrides=merged)
    tiny = run([make_doc(ticket_id="t1"), make_doc(ticket_id="t2", subject="password reset link expired")],
               k=1, previous=third.known)  # one cluster: no clustering at all
    empty = run([], overrides=ThemeOverrides(pinned=pins))
    return {"first": first, "second": second, "third": third, "tiny": tiny, "empty": empty}


def test_a_fixed_corpus_gives_the_pinned_themes() -> None:
    assert_golden("themes_build", {name: plain(run) for name, run in runs().items()})
