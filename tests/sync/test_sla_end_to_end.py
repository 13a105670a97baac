"""Issue 11, done when: all three vendors report the SLA metrics from their own fields. Zendesk (SLA policy
events of the ticket metric events export), Freshdesk (`fr_due_by`/`due_by` against the stats) and Intercom
(`sla_applied`) on loopback, through `sync`, `rollup` and `metrics --json --by source`, against counts
taken from the fakes' records."""
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from tests.fakes.freshdesk import FakeFreshdesk, freshdesk_ticket, iso
from tests.fakes.intercom import FakeIntercom, intercom_conversation
from tests.fakes.loopback import serve
from tests.fakes.zendesk import FakeZendesk, zendesk_sla_events, zendesk_ticket

CONFIG = """
workspace_id = "T1"
timezone = "UTC"
[sources.zendesk]
backfill_days = 30
lookback_minutes = 0
[sources.freshdesk]
backfill_days = 30
lookback_minutes = 0
[sources.intercom]
backfill_days = 30
lookback_minutes = 0
"""
N = 12


def _zendesk(start: datetime) -> FakeZendesk:
    tickets, events = [], []
    for i in range(1, N + 1):
        updated = int((start + timedelta(days=i)).timestamp())
        tickets.append(zendesk_ticket(i, updated_ts=updated, status="solved"))
        created = updated - 3600
        # Reply target 60 min: every third ticket answered after 90 min (missed), the rest after 20 min.
        events += zendesk_sla_events(i, metric="reply_time", applied_ts=created, target_minutes=60,
                                     done_ts=created + (90 if i % 3 == 0 else 20) * 60, first_id=i * 10)
        # Resolution target 8 h, met by all but ticket 5 (still unsolved against it after 10 h).
        events += zendesk_sla_events(i, metric="resolution_time", applied_ts=created, target_minutes=480,
                                     done_ts=created + (600 if i == 5 else 60) * 60, first_id=i * 10 + 5)
    fake = FakeZendesk(tickets, auth="Bearer zd")
    fake.metric_events = events
    return fake


def _freshdesk(start: datetime) -> FakeFreshdesk:
    tickets = []
    for i in range(1, N + 1):
        # Created 2 h before its update, answered after 30 min, resolved at the update.
        ticket = freshdesk_ticket(i, updated=start + timedelta(days=i), status=4)
        created = start + timedelta(days=i, hours=-2)
        if i % 4 == 0:  # a 15-minute reply target: missed
            ticket["fr_due_by"] = iso(created + timedelta(minutes=15))
        if i % 6 == 0:  # resolved after 2 h against a 1-hour target: missed
            ticket["due_by"] = iso(created + timedelta(hours=1))
        tickets.append(ticket)
    return FakeFreshdesk(tickets, now=start + timedelta(days=N + 1))


def _intercom(start: datetime) -> FakeIntercom:
    statuses = ["hit", "hit", "missed", "active", None, "hit"]  # active and cancelled (None) are not counted
    return FakeIntercom([intercom_conversation(
        i, updated_ts=int((start + timedelta(days=i)).timestamp()), state="closed",
        sla_applied={"type": "conversation_sla_summary", "sla_name": "VIP", "sla_status": statuses[i % 6]})
        for i in range(1, N + 1)])


def test_all_three_vendors_report_sla_compliance_from_their_own_fields(tmp_path, db_url, capsys):
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=N + 3)
    path = tmp_path / "signalroom.toml"
    path.write_text(CONFIG, encoding="utf-8")
    with serve(_zendesk(start)) as zd, serve(_freshdesk(start)) as fd, serve(_intercom(start)) as ic:
        env = {"SIGNALROOM_CONFIG": str(path), "DATABASE_URL": db_url, "SIGNALROOM_LOG_LEVEL": "WARNING",
               "ZENDESK_URL": zd, "ZENDESK_OAUTH_TOKEN": "zd", "FRESHDESK_URL": fd, "FRESHDESK_API_KEY": "fk",
               "INTERCOM_URL": ic, "INTERCOM_ACCESS_TOKEN": "it"}
        assert main(["sync"], env=env) == 0
    assert main(["rollup"], env=env) == 0
    capsys.readouterr()
    span = ["--from", f"{start:%Y-%m-%d}", "--to", f"{today - timedelta(days=1):%Y-%m-%d}"]
    assert main(["metrics", "--json", "--by", "source", *span], env=env) == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    got = {(m["key"], m["segment"]["source"]): (m["value"], m["n"]) for m in metrics if m["key"].startswith("sla_")}
    frt, res = "sla_first_response_met", "sla_resolution_met"
    assert got[(frt, "zendesk")] == (pytest.approx(8 / 12), 12)
    assert got[(res, "zendesk")] == (pytest.approx(11 / 12), 12)
    assert got[(frt, "freshdesk")] == (pytest.approx(9 / 12), 12)
    assert got[(res, "freshdesk")] == (pytest.approx(10 / 12), 12)
    # Intercom: one status for the conversation's SLA as a whole, counted as the resolution verdict.
    assert got[(res, "intercom")] == (pytest.approx(6 / 8), 8) and (frt, "intercom") not in got
