"""Slack speaks names: an action typed with a group's name is stored on the id its daily rows carry,
and its card shows the name."""
from __future__ import annotations

import json
from datetime import date

from bot.actions.service import get_action
from bot.storage.models import DailyMetric
from bot.storage.reference import upsert_references
from integrations.reference import Reference
from tests.slack.conftest import OTHER, OWNER


def test_action_typed_with_a_group_name_is_stored_on_its_id(driver, session_factory):
    with session_factory.begin() as s:
        upsert_references(s, workspace_id="default", source="zendesk", references=[Reference("group", "101", "Billing")])
        s.add(DailyMetric(workspace_id="default", day=date(2026, 11, 19), metric="first_response_time",
                          dimension="group", segment="101", value=5400.0, zone="act_now", expected=2400.0, n=80))
    driver.command(f"action add frt group=billing <@{OTHER}|other> due 2026-11-27 Fix the routing", user=OWNER)
    assert "Logged action #1" in driver.answer()["text"]
    with session_factory() as s:
        action = get_action(s, workspace_id="default", action_id=1)
        assert (action.dimension, action.segment, action.value_at_open) == ("group", "101", 5400.0)
    card = json.dumps(driver.slack.of("chat.postMessage")[0].args["blocks"])
    assert "group=Billing" in card and "group=101" not in card
