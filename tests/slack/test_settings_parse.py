"""Reading the set-up modals' submissions (bot/slack/settings_parse.py): pure, table-driven."""
from __future__ import annotations

from datetime import time

import pytest

from bot.config import RitualConfig, SlackConfig
from bot.slack import settings_ids as ids
from bot.slack.settings_flows import RuleRow
from bot.slack.settings_parse import (FieldError, account_url, channel_changes, helpdesk_form, ritual_changes,
                                      route_changes, rule_changes)


def view(**blocks) -> dict:
    return {"state": {"values": {block: {ids.INPUT: element} for block, element in blocks.items()}}}


@pytest.mark.parametrize("vendor, given, url", [
    ("zendesk", "acme", "https://acme.zendesk.com"),
    ("zendesk", "acme.zendesk.com", "https://acme.zendesk.com"),
    ("zendesk", "https://acme.zendesk.com/", "https://acme.zendesk.com"),
    ("freshdesk", "acme", "https://acme.freshdesk.com"),
    ("freshdesk", "support.acme.example", "https://support.acme.example"),
    ("intercom", None, None),
    ("intercom", "https://api.eu.intercom.io", "https://api.eu.intercom.io"),
])
def test_account_url(vendor, given, url):
    assert account_url(vendor, given) == url


@pytest.mark.parametrize("vendor, given", [("zendesk", None), ("zendesk", "acme zendesk"), ("freshdesk", "a/b")])
def test_account_url_problems_name_the_address_field(vendor, given):
    with pytest.raises(FieldError) as raised:
        account_url(vendor, given)
    assert raised.value.block == ids.SOURCE_URL


@pytest.mark.parametrize("vendor, blocks, problem_block", [
    ("zendesk", {ids.SOURCE_URL: "acme", ids.SOURCE_EMAIL: "a@b.co"}, ids.SOURCE_SECRET),
    ("zendesk", {ids.SOURCE_URL: "acme", ids.SOURCE_SECRET: "t"}, ids.SOURCE_EMAIL),
    ("csv", {ids.SOURCE_SECRET: "t"}, ids.SOURCE_NAME),  # not from Slack
])
def test_helpdesk_form_problems(vendor, blocks, problem_block):
    form = view(**{k: {"type": "plain_text_input", "value": v} for k, v in blocks.items()})
    with pytest.raises(FieldError) as raised:
        helpdesk_form(vendor, form)
    assert raised.value.block == problem_block


def test_helpdesk_form_defaults_its_name_to_the_vendor_and_masks_the_secret():
    form = helpdesk_form("intercom", view(**{ids.SOURCE_SECRET: {"type": "plain_text_input", "value": " tok "}}))
    assert (form.name, form.url, form.email, form.secret.reveal()) == ("intercom", None, None, "tok")
    assert "tok" not in repr(form)


def test_only_what_changed_becomes_a_change():
    slack = SlackConfig(review_channel="C0REVIEW")
    picked = view(review_channel={"type": "conversations_select", "selected_conversation": "C0REVIEW"},
                  alerts_channel={"type": "conversations_select", "selected_conversation": "C0ALERTS"})
    assert channel_changes(picked, slack) == {"slack.alerts_channel": "C0ALERTS"}  # cs/leadership: not in the form
    with pytest.raises(FieldError):
        channel_changes(view(review_channel={"selected_conversation": "U0PERSON"}), slack)

    ritual = RitualConfig(day="mon", time=time(9, 30))
    same = view(ritual_day={"selected_option": {"value": "mon"}}, ritual_time={"selected_time": "09:30"})
    assert ritual_changes(same, "weekly_review", ritual, daily=False) == {}
    later = view(ritual_time={"selected_time": "10:00"}, ritual_timezone={"value": "Asia/Tokyo"})
    assert ritual_changes(later, "reminders", RitualConfig(time=time(9, 0)), daily=True) == {
        "rituals.reminders.time": "10:00", "rituals.reminders.timezone": "Asia/Tokyo"}


def test_rules_and_routes():
    rules = [RuleRow("frt", "first_response_time", "act_now", 2, True), RuleRow("cut", "csat", "watch", 2, True)]
    form = view(**{ids.RULE_ENABLED + ids.item("frt"): {"selected_options": []},
                   ids.RULE_ZONE + ids.item("frt"): {"selected_option": {"value": "act_now"}},
                   ids.RULE_DAYS + ids.item("frt"): {"value": "4"}})
    assert rule_changes(form, rules) == {"rules.frt.enabled": False, "rules.frt.days": 4}  # "cut" not in the form
    with pytest.raises(FieldError) as raised:
        rule_changes(view(**{ids.RULE_ENABLED + ids.item("frt"): {"selected_options": []}, ids.RULE_DAYS + ids.item("frt"): {"value": "99"}}),
                     rules)
    assert raised.value.block == ids.RULE_DAYS + ids.item("frt")

    from bot.config import RouteConfig

    routing = (RouteConfig(product_area="billing", channel="C0BILLING"),)
    form = view(**{ids.ROUTE + ids.item("billing"): {"selected_conversation": None},
                   ids.ROUTE + ids.item("login"): {"selected_conversation": "C0LOGIN"}})
    assert route_changes(form, ["billing", "login", "other"], routing) == {
        "routing.billing.enabled": False, "routing.login": "C0LOGIN"}
