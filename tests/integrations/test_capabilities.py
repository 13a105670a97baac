"""The README's metric × vendor table is true: rendered from integrations/capabilities.py, which names for
every cell the Ticket fields it rests on, and each claim is checked against what the adapters produce
from a full record of each vendor (solved, answered, rated, with SLA targets, a bot at work)."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.metrics.catalogue import CATALOGUE
from integrations import csv_import, freshdesk, intercom, zendesk
from integrations.capabilities import (
    CAPABILITIES,
    MEASURED,
    NOT_AVAILABLE,
    TIMESTAMPS,
    VENDORS,
    markdown_table,
)
from integrations.freshdesk import FreshdeskAdapter
from integrations.intercom import IntercomAdapter
from integrations.zendesk import ZendeskAdapter
from tests.fakes.freshdesk import freshdesk_rating, freshdesk_ticket
from tests.fakes.intercom import intercom_conversation
from tests.fakes.zendesk import zendesk_metric_set, zendesk_ticket

README = Path(__file__).resolve().parents[2] / "README.md"
ADAPTERS = {"zendesk": ZendeskAdapter, "freshdesk": FreshdeskAdapter, "intercom": IntercomAdapter}


def _zendesk():
    raw = zendesk_ticket(7, status="solved", channel="answer_bot", via={"channel": "answer_bot_for_agents"},
                         satisfaction_rating={"score": "bad", "comment": "slow"})
    return zendesk.to_ticket({**raw, "metric_set": {**zendesk_metric_set(raw), "group_stations": 2, "reopens": 1}})


def _freshdesk():
    raw = freshdesk_ticket(7, status=4, source=12, is_escalated=True)
    raw["stats"] = dict(raw["stats"], reopened_at=raw["created_at"])
    return freshdesk.to_ticket({**raw, "satisfaction_rating": freshdesk_rating(7, -103)})


def _intercom():
    raw = intercom_conversation(7, state="closed", admin_assignee_id=42, conversation_rating={"rating": 2, "remark": "meh"},
                                ai_agent={"resolution_state": "assumed_resolution"},
                                sla_applied={"type": "conversation_sla_summary", "sla_name": "VIP", "sla_status": "hit"})
    raw["statistics"] = dict(raw["statistics"], count_assignments=2, count_reopens=1)
    return intercom.to_ticket(raw)


def _csv():
    header = ",".join((*csv_import.CANONICAL, *csv_import.OPTIONAL))
    values = {"id": "7", "created_at": "2024-01-01T08:00:00Z", "updated_at": "2024-01-02T08:00:00Z",
              "status": "solved", "group": "Billing", "assignee": "Ann", "requester": "bob@example.com",
              "first_response_at": "2024-01-01T09:00:00Z", "solved_at": "2024-01-02T08:00:00Z", "reopens": "1",
              "replies": "2", "escalations": "1", "csat": "bad", "bot_involved": "yes", "bot_resolved": "yes",
              "first_response_due_at": "2024-01-01T10:00:00Z", "resolution_due_at": "2024-01-03T08:00:00Z"}
    row = ",".join(values.get(name, "") for name in (*csv_import.CANONICAL, *csv_import.OPTIONAL))
    (item,) = csv_import.read_text(f"{header}\n{row}\n")
    return item.ticket if hasattr(item, "ticket") else item


FULL = {"zendesk": _zendesk, "freshdesk": _freshdesk, "intercom": _intercom, "csv": _csv}


def _filled(value) -> bool:
    return value not in (None, False, "", ()) and value != timedelta(-1)


def test_every_metric_of_the_catalogue_has_a_cell_per_vendor():
    assert list(CAPABILITIES) == list(CATALOGUE)
    for key, cells in CAPABILITIES.items():
        assert set(cells) == set(VENDORS), key
        for vendor, cell in cells.items():
            assert cell.kind in (MEASURED, TIMESTAMPS, NOT_AVAILABLE), (key, vendor)
            assert (cell.kind == NOT_AVAILABLE) == bool(cell.why), (key, vendor)
            assert not (cell.kind == NOT_AVAILABLE and cell.note), (key, vendor)  # a note qualifies a figure


@pytest.mark.parametrize("vendor", VENDORS)
def test_each_cell_holds_for_a_full_record(vendor):
    ticket = FULL[vendor]()
    for key, cells in CAPABILITIES.items():
        cell = cells[vendor]
        if cell.via:  # filled apart from the record, by an adapter method
            assert callable(getattr(ADAPTERS[vendor], cell.via, None)), (key, vendor, cell.via)
            continue
        filled = {name: _filled(getattr(ticket, name)) for name in cell.fields}
        if cell.kind == NOT_AVAILABLE:
            assert not any(filled.values()), (key, vendor, filled)
        else:
            assert all(filled.values()), (key, vendor, filled)


def test_reply_counts_fill_in_only_where_the_record_lacks_them():
    for vendor, make in FULL.items():
        via = CAPABILITIES["fcr_rate"][vendor].via
        assert (make().agent_replies is None) == bool(via), vendor
        assert hasattr(ADAPTERS.get(vendor), "agent_replies") == bool(via) or vendor == "csv"


def test_the_readme_table_is_the_rendered_one():
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^\| metric \| Zendesk \|.*?(?=\n\n)", text, re.S | re.M)
    assert match, "README: the metric × vendor table is missing"
    assert match.group(0).strip() == markdown_table()
