"""The action log keeps every change in an append-only history, scoped by workspace."""
from __future__ import annotations

from datetime import date

import pytest

from bot.actions.service import (
    ActionNotFoundError, action_json, get_action, history, list_actions, open_action, update_action,
)
from bot.errors import UsageError


def test_open_update_and_history(session_factory):
    with session_factory.begin() as session:
        action = open_action(session, workspace_id="w", metric="csat", description="Fix billing macro",
                             owner="U1", created_by="U2", due_on=date(2026, 6, 1), dimension="product_area", segment="billing")
        action_id = action.id
    with session_factory.begin() as session:
        update_action(session, workspace_id="w", action_id=action_id, actor="U1", kind="done",
                      status="done", outcome="CSAT back to 90%", outcome_class="improved")
    with session_factory() as session:
        action = get_action(session, workspace_id="w", action_id=action_id)
        events = history(session, workspace_id="w", action_id=action_id)
        data = action_json(action)
    assert [e.kind for e in events] == ["created", "done"]
    assert events[1].changes["status"] == ["open", "done"]
    assert action.closed_at is not None
    assert data["segment"] == {"product_area": "billing"} and data["due"] == "2026-06-01" and data["status"] == "done"


def test_other_workspace_cannot_see_or_change_an_action(session_factory):
    with session_factory.begin() as session:
        action_id = open_action(session, workspace_id="w", metric="csat", description="x", owner="U1",
                                created_by="U1", due_on=None).id
    with session_factory.begin() as session:
        assert list_actions(session, workspace_id="other") == []
        with pytest.raises(ActionNotFoundError):
            update_action(session, workspace_id="other", action_id=action_id, actor="U9", kind="closed", status="closed")


@pytest.mark.parametrize(("changes", "message"), [
    ({"status": "finished"}, "unknown status"),
    ({"outcome_class": "great"}, "unknown outcome"),
])
def test_invalid_changes_are_refused(session_factory, changes, message):
    with session_factory.begin() as session:
        action_id = open_action(session, workspace_id="w", metric="csat", description="x", owner="U1",
                                created_by="U1", due_on=None).id
    with session_factory.begin() as session, pytest.raises(UsageError, match=message):
        update_action(session, workspace_id="w", action_id=action_id, actor="U1", kind="x", **changes)


def test_empty_description_is_refused(session_factory):
    with session_factory.begin() as session, pytest.raises(UsageError, match="needs a description"):
        open_action(session, workspace_id="w", metric="csat", description="  ", owner="U1", created_by="U1", due_on=None)


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 11, 27), date(2026, 11, 27)),  # Friday stays
    (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday → Monday
    (date(2026, 11, 29), date(2026, 11, 30)),  # Sunday → Monday
    (date(2026, 11, 30), date(2026, 11, 30)),
])
def test_playbook_due_dates_fall_on_working_days(day, expected):
    from bot.actions.service import next_working_day

    assert next_working_day(day) == expected
