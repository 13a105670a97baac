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
    assert "Billing (group)" in card and "101" not in card


def test_review_log_action_prefills_the_name_and_stores_the_id(driver, session_factory):
    from bot.actions.service import list_actions
    from bot.slack import action_ids as ids
    from bot.storage.models import TriggerRow

    with session_factory.begin() as s:
        upsert_references(s, workspace_id="default", source="zendesk", references=[Reference("group", "101", "Billing")])
        trigger = TriggerRow(workspace_id="default", rule="frt-group", metric="first_response_time",
                             dimension="group", segment="101", zone="act_now", fired_on=date(2026, 11, 18))
        s.add(trigger)
        s.flush()
        trigger_id = trigger.id
    value = json.dumps({"metric": "first_response_time", "dimension": "group", "segment": "101",
                        "trigger_id": trigger_id})
    driver.click(ids.RITUAL_LOG_ACTION, value)
    view = driver.slack.wait_for("views.open")[0].args["view"]
    assert "group=Billing" in json.dumps(view) and "group=101" not in json.dumps(view)
    values = {ids.METRIC_BLOCK: {ids.METRIC_INPUT: {"type": "static_select",
                                                     "selected_option": {"value": "first_response_time"}}},
              ids.SEGMENT_BLOCK: {ids.SEGMENT_INPUT: {"type": "plain_text_input", "value": "group=Billing"}},
              ids.OWNER_BLOCK: {ids.OWNER_INPUT: {"type": "users_select", "selected_user": OWNER}},
              ids.DUE_BLOCK: {ids.DUE_INPUT: {"type": "datepicker", "selected_date": "2026-11-30"}},
              ids.DESCRIPTION_BLOCK: {ids.DESCRIPTION_INPUT: {"type": "plain_text_input", "value": "Reroute"}}}
    assert driver.submit(ids.ADD_ACTION_VIEW, values, private_metadata=view["private_metadata"]).status_code == 200
    with session_factory() as s:
        (action,) = [a for a in list_actions(s, workspace_id="default") if a.description == "Reroute"]
    assert (action.trigger_id, action.dimension, action.segment) == (trigger_id, "group", "101")
