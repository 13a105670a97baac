"""Trigger alerts carry Create issue when a tracker is set up; the click opens the form for that trigger and the
submission creates and links one issue (then the alert's button offers the link)."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from bot.rituals import alerts
from bot.slack import tracker_ids as t
from bot.storage.tracker_models import TrackerLink
from tests.rituals.factories import trigger
from tests.trackers.test_slack_flow import click, submit_create, world  # noqa: F401 - the fixture


def alert_buttons(session_factory, settings) -> list[dict]:
    with session_factory() as session:
        (group,) = alerts.pending_alerts(session, settings=settings)
    message = alerts.render_group(group)
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def test_alert_create_issue_for_its_trigger(world, session_factory):
    driver, slack, jira, linear, settings = world
    with session_factory.begin() as session:
        session.add(trigger("csat-drop", "csat", date(2026, 11, 19),
                            evidence={"value": 0.61, "expected": 0.88, "explanation": "61 % satisfied vs 88 %"}))
    (button,) = [e for e in alert_buttons(session_factory, settings) if e["action_id"] == t.CREATE_ISSUE]
    click(driver, {"accessory": button})
    view = slack.wait_for("views.open", 1)[0].args["view"]
    fields = {b["block_id"]: (b.get("element") or {}).get("initial_value") for b in view["blocks"]}
    assert fields[t.TITLE_BLOCK].startswith("Customer satisfaction") and "since 19 Nov" in fields[t.TITLE_BLOCK]
    assert "61 % satisfied vs 88 %" in fields[t.BODY_BLOCK] and "rule csat-drop" in fields[t.BODY_BLOCK]
    submit_create(driver, view, tracker="jira")
    slack.wait_for("chat.postMessage", 2)
    assert len(jira.created) == 1
    with session_factory() as session:
        (link,) = session.scalars(select(TrackerLink)).all()
        assert (link.subject_kind, link.issue_key) == ("trigger", "PAY-1")
    click(driver, {"accessory": button})
    assert slack.wait_for("views.open", 2)[1].args["view"]["callback_id"] == t.LINK_VIEW


def test_no_button_without_a_tracker(tmp_path, session_factory):
    from bot.config import load_settings

    settings = load_settings({}, config_path=str(_bare_config(tmp_path)))
    with session_factory.begin() as session:
        session.add(trigger("csat-drop", "csat", date(2026, 11, 19)))
    assert t.CREATE_ISSUE not in json.dumps(alert_buttons(session_factory, settings))


def _bare_config(tmp_path):
    path = tmp_path / "bare.toml"
    path.write_text('[slack]\nalerts_channel = "C0ALERTS"\n')
    return path


def test_decision_log_entry_creates_an_issue_for_its_owner(world, session_factory):
    from tests.rituals.factories import action

    driver, slack, jira, linear, settings = world
    with session_factory.begin() as session:
        session.add(action("csat", "U0OTHER", due_on=date(2026, 11, 27), description="Rewrite the billing macro"))
    _add_someone_elses_action(session_factory)
    driver.command("log", user="U0OTHER")
    answer = driver.answer()
    # the button only on entries this user may turn into an issue (their own; an admin sees it on every entry)
    owners = [b["text"]["text"] for b in answer["blocks"] if (b.get("accessory") or {}).get("action_id") == t.CREATE_ISSUE]
    assert len(owners) == 1 and "U0SOMEONE" not in owners[0]
    driver.command("log", user="U0ADMIN")
    admin_view = driver.answer(2)
    assert sum((b.get("accessory") or {}).get("action_id") == t.CREATE_ISSUE for b in admin_view["blocks"]) == 2
    (button,) = [b["accessory"] for b in answer["blocks"] if (b.get("accessory") or {}).get("action_id") == t.CREATE_ISSUE]
    assert json.loads(button["value"])["k"] == "action"
    click(driver, {"accessory": button}, user="U0OTHER")  # the action's owner, not an admin
    view = slack.wait_for("views.open", 1)[0].args["view"]
    fields = {b["block_id"]: (b.get("element") or {}).get("initial_value") for b in view["blocks"]}
    assert fields[t.TITLE_BLOCK] == "Rewrite the billing macro" and "Owner: U0OTHER" in fields[t.BODY_BLOCK]
    submit_create(driver, view, tracker="linear", user="U0OTHER")
    slack.wait_for("chat.postMessage", 2)
    assert [c["title"] for c in linear.created] == ["Rewrite the billing macro"]


def _add_someone_elses_action(session_factory) -> None:
    from tests.rituals.factories import action

    with session_factory.begin() as session:
        session.add(action("csat", "U0SOMEONE", due_on=date(2026, 11, 28), description="Someone else's action"))
