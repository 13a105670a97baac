"""SLA compliance (issue 11.3): the outcome rule, the daily rates, and what each vendor's fields give."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest

from bot.cli import main
from bot.metrics.columns import columns_from_facts
from bot.metrics.daily import compute_daily, sla_outcomes
from bot.metrics.settings import RollupSettings
from integrations import csv_import, freshdesk, intercom
from tests.fakes.freshdesk import freshdesk_ticket
from tests.fakes.intercom import intercom_conversation
from tests.metrics.factories import make_fact
from tests.metrics.test_history import COLUMNS, write_csv

UTC = timezone.utc
NAN = np.nan
H = 3600.0


@pytest.mark.parametrize(("met", "due", "done", "ok", "at"), [
    (-1, NAN, 5 * H, False, NAN),     # no target: not counted
    (-1, 10 * H, 5 * H, True, 5 * H),  # answered before due: met when answered
    (-1, 10 * H, 10 * H, True, 10 * H),  # on the dot counts as met
    (-1, 10 * H, 15 * H, False, 10 * H),  # late: missed at the due instant, not when answered
    (-1, 10 * H, NAN, False, 10 * H),  # never answered: missed at the due instant
    (1, NAN, 5 * H, True, 5 * H),     # the source's verdict without a due instant
    (0, NAN, 5 * H, False, 5 * H),
    (0, 10 * H, 5 * H, False, 5 * H),  # the verdict wins over the due comparison (paused clocks)
    (1, 10 * H, 15 * H, True, 15 * H),
    (1, NAN, NAN, True, NAN),         # hit but not done yet: no day to count on
])
def test_outcome_rule(met, due, done, ok, at):
    got_ok, got_at = sla_outcomes(np.array([met], np.int8), np.array([due]), np.array([done]))
    assert bool(got_ok[0]) == ok
    assert np.isnan(got_at[0]) if np.isnan(at) else got_at[0] == at


T0 = datetime(2024, 5, 6, 8, tzinfo=UTC)


def _daily(facts, metric):
    cols = columns_from_facts(facts, RollupSettings(timezone="UTC"))
    values = compute_daily(cols, start=date(2024, 5, 6), end=date(2024, 5, 9), settings=RollupSettings(timezone="UTC"),
                           dimensions=(), metrics=[metric])
    return {(v.day.isoformat()): (v.numerator, v.denominator) for v in values}


def test_daily_first_response_compliance_pooled_on_the_outcome_day():
    facts = [
        make_fact(ticket_id="met", first_response_due_at=T0 + timedelta(hours=2)),  # answered after 1 h
        make_fact(ticket_id="late", first_response_at=T0 + timedelta(days=1, hours=1),
                  first_response_due_at=T0 + timedelta(hours=4)),  # missed on day 1 (due), answered on day 2
        make_fact(ticket_id="never", first_response_at=None, status="open", solved_at=None,
                  first_response_due_at=T0 + timedelta(days=2)),  # missed on day 3
        make_fact(ticket_id="no-target"),
        make_fact(ticket_id="vendor-hit", sla_first_response_met=True),
    ]
    assert _daily(facts, "sla_first_response_met") == {
        "2024-05-06": (2.0, 3.0),  # met + late (missed at its due instant) + vendor-hit
        "2024-05-08": (0.0, 1.0),
    }


def test_daily_resolution_compliance():
    facts = [
        make_fact(ticket_id="a", resolution_due_at=T0 + timedelta(hours=8)),  # solved after 5 h
        make_fact(ticket_id="b", resolution_due_at=T0 + timedelta(hours=3)),  # missed at 3 h
        make_fact(ticket_id="c", sla_resolution_met=False, solved_at=T0 + timedelta(days=1)),
    ]
    assert _daily(facts, "sla_resolution_met") == {"2024-05-06": (1.0, 2.0), "2024-05-07": (0.0, 1.0)}


def test_freshdesk_due_by_fields_are_the_targets():
    raw = freshdesk_ticket(7, status=4)
    t = freshdesk.to_ticket(raw)
    assert t.first_response_due_at == datetime.fromisoformat(raw["fr_due_by"])
    assert t.resolution_due_at == datetime.fromisoformat(raw["due_by"])
    assert t.sla_first_response_met is None and t.sla_resolution_met is None  # measured against the stats


@pytest.mark.parametrize(("applied", "met"), [
    ({"type": "conversation_sla_summary", "sla_name": "VIP", "sla_status": "hit"}, True),
    ({"type": "conversation_sla_summary", "sla_name": "VIP", "sla_status": "missed"}, False),
    ({"type": "conversation_sla_summary", "sla_name": "VIP", "sla_status": "active"}, None),
    ({"type": "conversation_sla_summary", "sla_name": "VIP", "sla_status": None}, None),  # cancelled
    (None, None),
])
def test_intercom_sla_applied_is_the_resolution_verdict(applied, met):
    t = intercom.to_ticket(intercom_conversation(3, state="closed", sla_applied=applied))
    assert t.sla_resolution_met is met
    assert t.sla_first_response_met is None and t.first_response_due_at is None


def test_csv_due_columns_through_import_rollup_and_range(tmp_path, db_url, capsys):
    cfg = tmp_path / "signalroom.toml"
    cfg.write_text('timezone = "UTC"\nworkspace_id = "w1"\n')
    env = {"SIGNALROOM_CONFIG": str(cfg), "DATABASE_URL": db_url}
    rows = []
    for i in range(40):
        created = datetime(2025, 3, 3, 9, tzinfo=UTC) + timedelta(hours=7 * i)
        reply = created + timedelta(minutes=20 + 13 * i)
        solved = created + timedelta(hours=3 + i)
        rows.append({c: "" for c in COLUMNS} | {
            "id": str(i), "created_at": created, "updated_at": solved, "status": "solved",
            "first_response_at": reply, "solved_at": solved, "replies": 1,
            "first_response_due_at": created + timedelta(hours=4) if i % 4 else "",
            "resolution_due_at": created + timedelta(hours=24),
        })
    path = tmp_path / "sla.csv"
    with open(path, "w", encoding="utf-8") as fh:  # the canonical columns plus the two optional ones
        import csv
        w = csv.DictWriter(fh, [*COLUMNS, "first_response_due_at", "resolution_due_at"])
        w.writeheader()
        for r in rows:
            w.writerow({k: v.isoformat() if isinstance(v, datetime) else v for k, v in r.items()})
    assert main(["import", str(path)], env=env) == 0
    assert main(["rollup"], env=env) == 0
    capsys.readouterr()
    assert main(["metrics", "--json", "--from", "2025-03-01", "--to", "2025-03-31"], env=env) == 0
    got = {m["key"]: m for m in json.loads(capsys.readouterr().out)["metrics"]}
    frt = [r for r in rows if r["first_response_due_at"]]
    assert got["sla_first_response_met"]["n"] == len(frt)
    assert got["sla_first_response_met"]["value"] == pytest.approx(
        sum(r["first_response_at"] <= r["first_response_due_at"] for r in frt) / len(frt))
    assert got["sla_resolution_met"]["value"] == pytest.approx(
        sum(r["solved_at"] <= r["resolution_due_at"] for r in rows) / len(rows))
