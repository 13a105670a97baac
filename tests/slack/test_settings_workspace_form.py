"""App Home set-up, continued (issue 16.3): the workspace's own timezone and the zone thresholds of every
metric without its own, from one modal; and playbooks, rules and product areas whose names are longer than
the 255 characters Slack allows a block id still get valid forms whose submissions reach the right item.
Signed requests against the fake Slack (which refuses a view Slack would refuse); what is saved is read
back through `settings_for`."""
from __future__ import annotations

import json

import pytest

from bot.slack import settings_ids as ids
from bot.slack.settings_parse import FieldError, rule_changes
from bot.slack.settings_flows import RuleRow
from tests.slack.conftest import ADMIN, OWNER, running_app
from tests.slack.test_settings_home import settings_from
from tests.slack.test_settings_rituals import app  # noqa: F401 - the app on their config (Europe/Berlin, an admin)
from tests.slack.test_settings_rituals import effective, element, history, home_of, inputs, modal

CONFIG = f"""
timezone = "Europe/Berlin"
[slack]
admins = ["{ADMIN}"]
review_channel = "C0REVIEW"
"""
LONG = "a" * 300  # a playbook or product area name longer than a block id may be
LONG_CONFIG = CONFIG + f"""
[product_areas]
{LONG} = ["tag:long"]
billing = ["tag:billing"]
[playbooks.{LONG}]
owner = "owner@example.com"
[playbooks.slow_replies]
owner = "owner@example.com"
"""


def submit(driver, form: dict) -> dict | None:
    answer = driver.submit(ids.WORKSPACE_VIEW, form, user=ADMIN)
    return answer.json() if answer.text else None


def form(timezone: str, watch: str, act_now: str) -> dict:
    return {ids.WORKSPACE_TIMEZONE: element(type="plain_text_input", value=timezone),
            ids.THRESHOLD_WATCH: element(type="number_input", value=watch),
            ids.THRESHOLD_ACT_NOW: element(type="number_input", value=act_now)}


def test_the_workspaces_timezone_and_thresholds_from_their_modal(app, session_factory):
    driver, settings = app
    driver.click(ids.EDIT_WORKSPACE, "", user=ADMIN)
    shown = inputs(modal(driver, 1))
    assert shown[ids.WORKSPACE_TIMEZONE]["initial_value"] == "Europe/Berlin"
    assert (shown[ids.THRESHOLD_WATCH]["initial_value"], shown[ids.THRESHOLD_ACT_NOW]["initial_value"]) == ("2", "3.5")
    assert submit(driver, form("America/New_York", "1.5", "3")) is None
    saved = effective(session_factory, settings)
    assert (saved.timezone, saved.metrics.watch, saved.metrics.act_now) == ("America/New_York", 1.5, 3.0)
    assert history(session_factory, "timezone")[-1] == ("Europe/Berlin", "America/New_York", ADMIN)
    assert history(session_factory, "metrics.watch") == [(2.0, 1.5, ADMIN)]
    home = json.dumps(home_of(driver, 1), ensure_ascii=False)
    assert "America/New_York · watch from 1.5 · act now from 3 (how far from usual)" in home
    written = len(history(session_factory, "timezone"))
    assert submit(driver, form("America/New_York", "1.50", "3.0")) is None  # the same values: nothing written
    assert len(history(session_factory, "timezone")) == written


@pytest.mark.parametrize("timezone, watch, act_now, block, words", [
    ("Mars/Olympus", "2", "3.5", ids.WORKSPACE_TIMEZONE, "unknown IANA timezone"),
    ("Europe/Berlin", "3", "2", ids.THRESHOLD_ACT_NOW, "at least watch"),
    ("Europe/Berlin", "0", "3.5", ids.THRESHOLD_WATCH, "above 0"),
    ("Europe/Berlin", "nan", "3.5", ids.THRESHOLD_WATCH, "above 0"),
    ("Europe/Berlin", "2", "lots", ids.THRESHOLD_ACT_NOW, "a number"),
])
def test_a_wrong_value_is_shown_on_its_field_and_nothing_is_saved(app, session_factory, timezone, watch, act_now,
                                                                  block, words):
    driver, settings = app
    body = submit(driver, form(timezone, watch, act_now))
    assert body["response_action"] == "errors" and list(body["errors"]) == [block]
    assert words in body["errors"][block]
    assert history(session_factory, "timezone") == history(session_factory, "metrics.watch") == []


def test_long_names_get_short_block_ids_and_the_form_still_opens(tmp_path, session_factory, slack):
    """A name over 255 characters made the whole modal invalid (Slack refuses it): now each item's block id
    is short, the other items can be changed, and the long one says on its field why it cannot be."""
    settings = settings_from(tmp_path, LONG_CONFIG, slack)
    with running_app(settings, session_factory, slack) as driver:
        for n, button in enumerate((ids.EDIT_OWNERS, ids.EDIT_ROUTES), start=1):
            driver.click(button, "", user=ADMIN)
            shown = inputs(modal(driver, n))  # the fake Slack refuses a block id over 255 characters
            assert len(shown) == 2 and all(len(block) <= 255 for block in shown)
        owners = {ids.OWNER + ids.item("slow_replies"): element(type="users_select", selected_user=OWNER)}
        assert driver.submit(ids.OWNERS_VIEW, owners, user=ADMIN).text == ""
        routes = {ids.ROUTE + ids.item("billing"): element(type="conversations_select", selected_conversation="C0BILL")}
        assert driver.submit(ids.ROUTES_VIEW, routes, user=ADMIN).text == ""
        long_owner = {ids.OWNER + ids.item(LONG): element(type="users_select", selected_user=OWNER)}
        body = driver.submit(ids.OWNERS_VIEW, long_owner, user=ADMIN).json()
        assert list(body["errors"]) == [ids.OWNER + ids.item(LONG)] and "config file" in body["errors"][ids.OWNER + ids.item(LONG)]
    saved = effective(session_factory, settings)
    assert (saved.playbooks["slow_replies"].owner, saved.playbooks[LONG].owner) == (OWNER, "owner@example.com")
    assert [(r.product_area, r.channel) for r in saved.routing] == [("billing", "C0BILL")]


def test_a_rules_inputs_map_back_by_their_digest():
    rule = "r" * 100  # the longest rule name the config allows
    rows = [RuleRow(rule, "first_response_time", "act_now", 2, True), RuleRow("csat_dip", "csat", "watch", 3, True)]
    off = {ids.RULE_ENABLED + ids.item(rule): element(type="checkboxes", selected_options=[]),
           ids.RULE_DAYS + ids.item(rule): element(type="number_input", value="5")}
    assert rule_changes({"state": {"values": off}}, rows) == {f"rules.{rule}.enabled": False, f"rules.{rule}.days": 5}
    wrong = {**off, ids.RULE_DAYS + ids.item(rule): element(type="number_input", value="0")}
    with pytest.raises(FieldError) as raised:
        rule_changes({"state": {"values": wrong}}, rows)
    assert raised.value.block == ids.RULE_DAYS + ids.item(rule)
