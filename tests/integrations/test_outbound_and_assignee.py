"""Record shapes: Intercom's `assignee` object as a fallback, and agent-initiated (outbound) conversations."""
import pytest

from integrations import freshdesk, intercom
from tests.fakes.freshdesk import freshdesk_ticket
from tests.fakes.intercom import intercom_conversation


@pytest.mark.parametrize(
    ("fields", "assignee"),
    [
        ({"admin_assignee_id": 4423433}, "4423433"),
        ({"admin_assignee_id": None, "assignee": {"type": "admin", "id": "991"}}, "991"),
        ({"assignee": {"type": "admin", "id": 991}}, "991"),  # key absent altogether
        ({"admin_assignee_id": 7, "assignee": {"type": "admin", "id": "991"}}, "7"),  # the flat id wins
        ({"admin_assignee_id": None, "assignee": {"type": "team", "id": "55"}}, None),  # a team is no agent
        ({"admin_assignee_id": None, "assignee": {"type": "nobody_admin", "id": None}}, None),
        ({"admin_assignee_id": None, "assignee": None}, None),
    ],
)
def test_intercom_assignee_shapes(fields, assignee):
    raw = intercom_conversation(1)
    raw.pop("admin_assignee_id", None)
    raw.update(fields)
    assert intercom.to_ticket(raw).assignee == assignee


@pytest.mark.parametrize(
    ("delivered_as", "outbound"),
    [("customer_initiated", False), ("admin_initiated", True), ("automated", True), ("campaigns_initiated", True),
     ("operator_initiated", False), (None, False)],
)
def test_intercom_outbound_by_delivered_as(delivered_as, outbound):
    raw = intercom_conversation(1)
    raw["source"] = dict(raw["source"], delivered_as=delivered_as)
    assert intercom.to_ticket(raw).outbound is outbound


@pytest.mark.parametrize(("source", "outbound"), [(1, False), (2, False), (7, False), (10, True), (12, False)])
def test_freshdesk_outbound_email_is_outbound(source, outbound):
    ticket = freshdesk.to_ticket(freshdesk_ticket(1, source=source))
    assert ticket.outbound is outbound
    assert (ticket.channel == "outbound_email") is outbound
