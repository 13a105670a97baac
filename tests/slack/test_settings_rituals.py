"""App Home set-up (issue 16.3), the rest of it: ritual day, time and timezone with pause/resume and a
preview DM'd to the admin who asked; playbook owners with user pickers; rules on/off with their
zone and days; product area → channel routes. Signed requests against the fake Slack; what is saved
is read back through `settings_for`, and each change's history row names who made it."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.slack import settings_ids as ids
from bot.storage.models import PostedMessage
from bot.storage.workspace_models import SettingsChange
from bot.workspaces.settings import settings_for
from tests.fakes.blockkit import view_refusal
from tests.slack.conftest import ADMIN, OWNER, running_app, seed_metrics
from tests.slack.test_settings_home import settings_from

CONFIG = f"""
timezone = "Europe/Berlin"
[slack]
admins = ["{ADMIN}"]
review_channel = "C0REVIEW"
[product_areas]
billing = ["tag:billing"]
login = ["tag:login"]
[playbooks.slow_replies]
owner = "owner@example.com"
title = "Slow replies"
[[rules]]
name = "frt_spike"
metric = "first_response_time"
playbook = "slow_replies"
[[routing]]
product_area = "billing"
channel = "C0BILLING"
"""


@pytest.fixture
def app(tmp_path, session_factory, slack):
    settings = settings_from(tmp_path, CONFIG, slack)
    with running_app(settings, session_factory, slack) as driver:
        yield driver, settings


def effective(session_factory, settings):
    return settings_for(session_factory, settings, "default").file


def history(session_factory, key: str) -> list[tuple]:
    with session_factory() as session:
        return [(c.old, c.new, c.who) for c in session.scalars(
            select(SettingsChange).where(SettingsChange.key == key).order_by(SettingsChange.id))]


def home_of(driver, count: int) -> dict:
    call = driver.slack.wait_for("views.publish", count)[count - 1]
    assert view_refusal(call.args["view"]) is None
    return call.args["view"]


def modal(driver, count: int) -> dict:
    call = driver.slack.wait_for("views.open", count)[count - 1]
    assert view_refusal(call.args["view"]) is None, view_refusal(call.args["view"])
    return call.args["view"]


def inputs(view: dict) -> dict[str, dict]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def element(**fields) -> dict:
    return {ids.INPUT: fields}


def test_pause_and_resume_the_weekly_review(app, session_factory):
    driver, settings = app
    driver.click(ids.RITUAL_PAUSE, "weekly_review", user=ADMIN)
    home = home_of(driver, 1)
    assert effective(session_factory, settings).rituals.weekly_review.enabled is False
    text = json.dumps(home, ensure_ascii=False)
    assert "First review: the weekly review is paused" in text and "*Weekly review* · Mondays 09:30 Europe/Berlin · paused" in text
    (row,) = [b for b in home["blocks"] if b.get("block_id") == "settings_ritual:weekly_review"]
    assert [e["action_id"] for e in row["elements"]] == [ids.EDIT_RITUAL, ids.RITUAL_RESUME, ids.RITUAL_PREVIEW]

    driver.click(ids.RITUAL_RESUME, "weekly_review", user=ADMIN)
    home = home_of(driver, 2)
    assert effective(session_factory, settings).rituals.weekly_review.enabled is True
    assert "First review on Monday 23 Nov at 09:30 (Europe/Berlin)" in json.dumps(home, ensure_ascii=False)
    assert history(session_factory, "rituals.weekly_review.enabled") == [(True, False, ADMIN), (False, True, ADMIN)]


def test_send_a_preview_to_me_dms_the_rendered_review_and_posts_nothing_to_its_channel(app, session_factory):
    driver, _ = app
    seed_metrics(session_factory)
    driver.click(ids.RITUAL_PREVIEW, "weekly_review", user=ADMIN)
    posts = driver.slack.wait_for("chat.postMessage", 2)
    assert [c.args["users"] for c in driver.slack.of("conversations.open")] == [ADMIN]
    assert {c.args["channel"] for c in posts} == {"D" + ADMIN}
    notice, review = posts[0].args, posts[1].args
    assert notice["text"] == "Preview of the weekly review"
    # the review itself, as its ritual renders it (a weekly review of the seeded days)
    assert review["blocks"][0]["text"]["text"] == "Weekly support review · 7 days to Thu 19 Nov"
    assert driver.slack.in_channel("C0REVIEW") == []
    with session_factory() as session:
        assert session.scalars(select(PostedMessage)).all() == []  # a preview claims no ledger row


def test_change_the_reviews_day_time_and_timezone(app, session_factory):
    driver, settings = app
    driver.click(ids.EDIT_RITUAL, "weekly_review", user=ADMIN)
    fields = inputs(modal(driver, 1))
    assert fields[ids.RITUAL_DAY]["initial_option"]["value"] == "mon"
    assert fields[ids.RITUAL_TIME] == {"type": "timepicker", "action_id": ids.INPUT, "initial_time": "09:30"}
    form = {ids.RITUAL_DAY: element(type="static_select", selected_option={"value": "tue"}),
            ids.RITUAL_TIME: element(type="timepicker", selected_time="10:15"),
            ids.RITUAL_TIMEZONE: element(type="plain_text_input", value="Mars/Olympus")}
    body = driver.submit(ids.RITUAL_VIEW, form, user=ADMIN, private_metadata="weekly_review").json()
    assert list(body["errors"]) == [ids.RITUAL_TIMEZONE] and "unknown IANA timezone" in body["errors"][ids.RITUAL_TIMEZONE]
    assert effective(session_factory, settings).rituals.weekly_review.day == "mon"  # nothing saved

    form[ids.RITUAL_TIMEZONE] = element(type="plain_text_input", value="America/New_York")
    assert driver.submit(ids.RITUAL_VIEW, form, user=ADMIN, private_metadata="weekly_review").text == ""
    review = effective(session_factory, settings).rituals.weekly_review
    assert (review.day, review.time.strftime("%H:%M"), review.timezone) == ("tue", "10:15", "America/New_York")
    assert history(session_factory, "rituals.weekly_review.day") == [("mon", "tue", ADMIN)]
    assert "First review on Tuesday 24 Nov at 10:15 (America/New_York)" in json.dumps(home_of(driver, 1), ensure_ascii=False)


def test_playbook_owner_rule_and_routes_from_their_modals(app, session_factory):
    driver, settings = app
    driver.click(ids.EDIT_OWNERS, "", user=ADMIN)
    owner = inputs(modal(driver, 1))[ids.OWNER + ids.item("slow_replies")]
    assert owner["type"] == "users_select" and "initial_user" not in owner  # an email owner: no user to show
    form = {ids.OWNER + ids.item("slow_replies"): element(type="users_select", selected_user=OWNER)}
    assert driver.submit(ids.OWNERS_VIEW, form, user=ADMIN).text == ""
    assert effective(session_factory, settings).playbooks["slow_replies"].owner == OWNER

    on = {"text": {"type": "plain_text", "text": "On"}, "value": "on"}
    driver.click(ids.EDIT_RULES, "", user=ADMIN)
    rule = inputs(modal(driver, 2))
    assert rule[ids.RULE_ENABLED + ids.item("frt_spike")]["initial_options"] == [on]
    off = {ids.RULE_ENABLED + ids.item("frt_spike"): element(type="checkboxes", selected_options=[]),
           ids.RULE_ZONE + ids.item("frt_spike"): element(type="static_select", selected_option={"value": "watch"}),
           ids.RULE_DAYS + ids.item("frt_spike"): element(type="number_input", value="3")}
    assert driver.submit(ids.RULES_VIEW, off, user=ADMIN).text == ""
    assert effective(session_factory, settings).rules == ()  # switched off
    driver.click(ids.EDIT_RULES, "", user=ADMIN)
    rule = inputs(modal(driver, 3))  # still listed, off, with what was set, so it can come back
    assert "initial_options" not in rule[ids.RULE_ENABLED + ids.item("frt_spike")]
    assert rule[ids.RULE_DAYS + ids.item("frt_spike")]["initial_value"] == "3"
    back = {**off, ids.RULE_ENABLED + ids.item("frt_spike"): element(type="checkboxes", selected_options=[on])}
    assert driver.submit(ids.RULES_VIEW, back, user=ADMIN).text == ""
    (frt,) = effective(session_factory, settings).rules
    assert (frt.name, frt.zone, frt.days, frt.playbook) == ("frt_spike", "watch", 3, "slow_replies")
    assert history(session_factory, "rules.frt_spike.enabled") == [(True, False, ADMIN), (False, True, ADMIN)]

    driver.click(ids.EDIT_ROUTES, "", user=ADMIN)
    routes = inputs(modal(driver, 4))
    assert routes[ids.ROUTE + ids.item("billing")]["initial_conversation"] == "C0BILLING"
    assert "initial_conversation" not in routes[ids.ROUTE + ids.item("login")]
    form = {ids.ROUTE + ids.item("billing"): element(type="conversations_select", selected_conversation=None),
            ids.ROUTE + ids.item("login"): element(type="conversations_select", selected_conversation="C0LOGIN")}
    assert driver.submit(ids.ROUTES_VIEW, form, user=ADMIN).text == ""
    assert [(r.product_area, r.channel) for r in effective(session_factory, settings).routing] == [("login", "C0LOGIN")]
