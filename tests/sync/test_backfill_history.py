"""Issue 11, done when: a Zendesk account backfilled from 2014 to 2023 (recorded shapes on loopback)
shows its volume, backlog and segments with names over a range."""
from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from bot.metrics.reads import range_scorecard
from bot.metrics.rollup import run_rollup
from bot.metrics.settings import RollupSettings
from bot.sync.service import run_sync
from integrations.zendesk import ZendeskAdapter
from tests.fakes import reference as fr
from tests.fakes.clock import FakeClock
from tests.fakes.zendesk import FakeZendesk, zendesk_ticket

WS = "T1"
FIRST = int(datetime(2014, 1, 6, 9, tzinfo=UTC).timestamp())
LAST = int(datetime(2023, 6, 30, 9, tzinfo=UTC).timestamp())
N = 300


def test_backfill_2014_to_2023_by_group_with_names(session_factory):
    step = (LAST - FIRST) // (N - 1)
    # Groups are the segments under test; no assignee or priority keeps the run short (fewer series).
    tickets = [zendesk_ticket(i + 1, updated_ts=FIRST + i * step, status="open" if i >= N - 3 else "solved",
                              assignee_id=None, priority=None) for i in range(N)]
    fake = FakeZendesk(tickets)
    fake.references.groups = [fr.zendesk_group(100 + g, f"Group {g}") for g in range(4)]
    clock = FakeClock(start=1_790_000_000)
    fake.clock = clock.time
    adapter = ZendeskAdapter(httpx.Client(transport=httpx.MockTransport(fake)), base_url="https://acme.zendesk.com",
                             oauth_token="t", sleep=clock.sleep, clock=clock.time)
    assert run_sync(session_factory=session_factory, adapters=[adapter], workspace_id=WS,
                    start=datetime(2014, 1, 1, tzinfo=UTC)).ok
    settings = RollupSettings(timezone="UTC")
    report = run_rollup(session_factory, workspace_id=WS, settings=settings,
                        now_at=datetime(2026, 11, 27, 6, tzinfo=UTC))
    assert report.first_day == date(2014, 1, 6)

    with session_factory.begin() as s:
        overall = {e.key: e for e in range_scorecard(s, workspace_id=WS, settings=settings,
                                                      start=date(2014, 1, 1), end=date(2023, 12, 31)).entries}
        by_group = {(e.key, e.segment["group"]): e for e in range_scorecard(
            s, workspace_id=WS, settings=settings, start=date(2016, 1, 1), end=date(2019, 12, 31),
            dimension="group").entries}
    assert overall["ticket_volume"].value == N
    assert overall["backlog"].value == 3  # the three still open at the end of 2023
    in_range = [t for t in tickets if "2016" <= t["created_at"][:4] <= "2019"]
    for g in range(4):
        want = sum(t["group_id"] == 100 + g for t in in_range)
        entry = by_group[("ticket_volume", f"Group {g}")]
        assert entry.value == want and entry.segment_id == {"group": str(100 + g)}
