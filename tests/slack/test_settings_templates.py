"""Golden files for the App Home set-up templates (issue 16.3), hostile text rendered inert in them, and
long lists cut to what a modal holds, every view valid as Slack checks it (tests/fakes/blockkit.py)."""
from __future__ import annotations

import json
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import render
from bot.config import Environment, FileConfig, PlaybookConfig, Settings
from bot.slack import settings_views as views
from bot.slack.settings_flows import RuleRow
from bot.slack.settings_home import IDS, VENDORS, RitualRow
from bot.workspaces.service import SourceView
from tests.fakes.blockkit import check_view
from tests.golden import assert_golden

EVIL = "<!channel> & <@U0EVIL> <https://evil.example|click>"
BERLIN = ZoneInfo("Europe/Berlin")
SOURCE = SourceView("T0001", "zendesk-main", "zendesk", "https://acme.zendesk.com", "agent@acme.example", True,
                    datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc), "U0ADMIN")
RITUALS = [RitualRow("weekly_review", "Weekly review", True, "Monday", False, time(9, 30), "Europe/Berlin", True),
           RitualRow("reminders", "Reminders", True, None, True, time(9, 0), "Europe/Berlin", False),
           RitualRow("leadership", "Leadership summary", False, None, False, time(9, 0), "Europe/Berlin", True)]


def settings(**file) -> Settings:
    return Settings(config_path="x", config_found=False, file=FileConfig(**file), env=Environment())


def home_section(sources=(SOURCE,), steps_done=False, **overrides):
    steps = [{"kind": "helpdesk", "done": bool(sources)}, {"kind": "review_channel", "done": True, "channel": "C0REVIEW"},
             {"kind": "first_review", "done": False, "at": datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN),
              "zone": "Europe/Berlin"}]
    context = dict(ids=IDS, steps=steps, steps_done=steps_done, sources=list(sources), configured=[],
                   vendors=VENDORS, channels=settings(slack={"review_channel": "C0REVIEW"}).file.slack,
                   rituals=RITUALS, playbooks=1, rules=2, routes=1, areas=3, timezone="Europe/Berlin", watch="2",
                   act_now="3.5")
    return render("settings_home", **{**context, **overrides})


CASES = {
    "settings_home": lambda: home_section().payload(),
    "settings_home_new": lambda: home_section(sources=(), playbooks=0, rules=0, routes=0, areas=0).payload(),
    "settings_connect_zendesk": lambda: views.connect_view("zendesk"),
    "settings_connect_freshdesk": lambda: views.connect_view("freshdesk"),
    "settings_connect_intercom": lambda: views.connect_view("intercom"),
    "settings_channels_modal": lambda: views.channels_view(settings(slack={"review_channel": "C0REVIEW"})),
    "settings_ritual_modal": lambda: views.ritual_view(settings(), "weekly_review"),
    "settings_ritual_modal_daily": lambda: views.ritual_view(settings(), "reminders"),
    "settings_owners_modal": lambda: views.owners_view(settings(playbooks={
        "slow": PlaybookConfig(owner="U0OWNER", title="Slow replies"), "vip": PlaybookConfig(owner="lead@acme.example")})),
    "settings_rules_modal": lambda: views.rules_view([RuleRow("frt_spike", "first_response_time", "act_now", 2, True),
                                                      RuleRow("csat_dip", "csat", "watch", 3, False)]),
    "settings_routes_modal": lambda: views.routes_view(settings(
        product_areas={"billing": ("tag:billing",), "login": ("tag:login",)},
        routing=({"product_area": "billing", "channel": "C0BILLING"},))),
    "settings_workspace_modal": lambda: views.workspace_view(settings(metrics={
        "watch": 2.5, "overrides": {"frt": {"watch": 1.5}}})),
    "settings_notice_preview": lambda: render("settings_notice", kind="preview", ritual="weekly review",
                                              reason=None).payload(),
    "settings_notice_tested": lambda: render("settings_notice", kind="tested", name="zendesk-main",
                                             problem="zendesk at https://acme.zendesk.com: the API token was rejected "
                                                     "(HTTP 401)").payload(),
    "settings_notice_refused": lambda: render("settings_notice", kind="refused").payload(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    payload = CASES[name]()
    if payload.get("type") in ("modal", "home"):
        check_view(payload)
    assert_golden(name, payload)


def test_the_home_section_with_the_rest_of_home_is_a_valid_home_view():
    check_view({"type": "home", "blocks": home_section().blocks})


def _mrkdwn(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [t for value in node.values() for t in _mrkdwn(value)]
    if isinstance(node, list):
        return [t for value in node for t in _mrkdwn(value)]
    return []


def test_hostile_text_is_inert():
    evil_source = SourceView("T0001", "x", "zendesk", EVIL, EVIL, True, SOURCE.created_at, EVIL)
    payloads = [
        home_section(sources=(evil_source,)).payload(),
        render("settings_notice", kind="tested", name="x", problem=EVIL).payload(),
        render("settings_notice", kind="preview", ritual=EVIL, reason=EVIL).payload(),
        views.rules_view([RuleRow(EVIL, "csat", "watch", 3, True)]),
        views.owners_view(settings(playbooks={"p": PlaybookConfig(owner=EVIL, title=EVIL[:80])})),
    ]
    for payload in payloads:
        for text in _mrkdwn(payload):
            assert "<!channel>" not in text and "<@U0EVIL>" not in text and "<https://evil" not in text, text


def test_long_lists_are_cut_to_what_a_modal_holds():
    many = settings(product_areas={f"area{i}": (f"tag:a{i}",) for i in range(150)},
                    playbooks={f"p{i}": PlaybookConfig(owner="U0OWNER") for i in range(150)})
    rules = [RuleRow(f"rule{i}", "csat", "watch", 2, True) for i in range(60)]
    for view in (views.routes_view(many), views.owners_view(many), views.rules_view(rules)):
        check_view(view)
        assert "more" in json.dumps(view["blocks"][-1])  # says what was left to the config file

