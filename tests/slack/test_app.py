"""The real app through its real HTTP endpoint: signed slash commands, buttons, modals, App Home."""
from __future__ import annotations

import json
import time
from datetime import date

from bot.actions.service import get_action, history, list_actions, open_action
from bot.slack import action_ids as ids
from bot.storage.models import Annotation
from tests.slack.conftest import ADMIN, CHANNEL, OTHER, OWNER, seed_metrics, seed_tickets, sign


def _open(session_factory, *, owner=OWNER, metric="first_response_time", channel=None, ts=None) -> int:
    with session_factory.begin() as session:
        action = open_action(session, workspace_id="default", metric=metric, description="Fix macros",
                             owner=owner, created_by=owner, due_on=date(2026, 11, 27), value_at_open=7200.0,
                             channel=channel)
        action.message_ts = ts
        return action.id


# --- security --------------------------------------------------------------------------------------

def test_forged_signature_is_401(driver):
    body = "command=%2Fmetrics&text=&user_id=U0OWNER&team_id=T0001"
    assert driver.post(body, sign(body, secret="wrong")).status_code == 401
    assert driver.post(body, {"Content-Type": "application/x-www-form-urlencoded"}).status_code == 401
    assert [c.method for c in driver.slack.calls if c.method != "auth.test"] == []


def test_stale_signature_is_401(driver):
    body = "command=%2Fmetrics&text=&user_id=U0OWNER&team_id=T0001"
    assert driver.post(body, sign(body, timestamp=int(time.time()) - 6 * 60)).status_code == 401
    assert driver.post(body, sign(body, timestamp=int(time.time()) - 4 * 60)).status_code == 200


def test_healthz(driver):
    response = driver.http.get("/healthz")
    assert response.status_code == 200 and response.json()["ok"] is True


# --- /metrics ---------------------------------------------------------------------------------------

def test_scorecard_acks_empty_then_answers_through_response_url(driver, session_factory):
    seed_metrics(session_factory)
    response = driver.command("")
    assert response.status_code == 200 and response.text == ""
    answer = driver.answer()
    text = driver.texts(answer)
    assert answer["response_type"] == "ephemeral"
    assert "Act now" in text and "Watch" in text and "First response time" in text
    assert "2.0 h vs 40 min expected" in text  # the act-now evidence is expanded
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text  # evidence text cannot ping


def test_one_metric_with_segments_and_forgiving_name(driver, session_factory):
    seed_metrics(session_factory)
    driver.command("first response by channel 7d")
    text = driver.texts(driver.answer())
    assert "last 7 days" in text and "email" in text and "chat" in text
    assert text.index("email") < text.index("chat")  # act-now segments first


def test_malformed_command_is_an_ephemeral_ack_with_the_correct_form(driver):
    response = driver.command("acions")
    assert response.status_code == 200
    payload = response.json()
    assert payload["response_type"] == "ephemeral"
    assert "did you mean `actions`" in payload["text"]
    assert driver.slack.of("respond") == []  # the lazy listener answers nothing more


def test_typo_in_metric_suggests(driver):
    payload = driver.command("csta").json()
    assert "csat" in payload["text"] and "Use:" in payload["text"]


def test_help_is_answered_in_the_ack(driver):
    payload = driver.command("help").json()
    assert "/metrics action add" in json.dumps(payload["blocks"])


def test_action_add_opens_action_posts_card_and_dms_owner(driver, session_factory):
    seed_metrics(session_factory)
    driver.command(f"action add frt <@{OTHER}|other> due 2026-11-27 Add macros for <!here> & billing", user=OWNER)
    answer = driver.answer()
    assert "Logged action #1" in answer["text"]
    card = driver.slack.of("chat.postMessage")
    assert {c.args["channel"] for c in card} == {CHANNEL, "DU0OTHER"}
    posted = json.dumps(card[-1].args["blocks"])
    assert "<!here>" not in posted and "&lt;!here&gt; &amp; billing" in posted
    with session_factory() as session:
        action = get_action(session, workspace_id="default", action_id=1)
        assert action.owner == OTHER and action.created_by == OWNER and action.value_at_open == 7200.0
        assert action.channel == CHANNEL and action.message_ts


def test_action_add_with_missing_arguments_opens_the_modal(driver):
    driver.command("action add csat")
    call = driver.slack.wait_for("views.open")[0]
    view = call.args["view"]
    assert call.args["trigger_id"] == "trigger-1" and view["callback_id"] == ids.ADD_ACTION_VIEW
    metric_block = next(b for b in view["blocks"] if b["block_id"] == ids.METRIC_BLOCK)
    assert metric_block["element"]["initial_option"]["value"] == "csat"


def test_add_modal_submission_validates_then_logs(driver, session_factory):
    values = {
        ids.METRIC_BLOCK: {ids.METRIC_INPUT: {"type": "static_select", "selected_option": {"value": "csat"}}},
        ids.SEGMENT_BLOCK: {ids.SEGMENT_INPUT: {"type": "plain_text_input", "value": "aera=billing"}},
        ids.OWNER_BLOCK: {ids.OWNER_INPUT: {"type": "users_select", "selected_user": OWNER}},
        ids.DUE_BLOCK: {ids.DUE_INPUT: {"type": "datepicker", "selected_date": "2026-11-27"}},
        ids.DESCRIPTION_BLOCK: {ids.DESCRIPTION_INPUT: {"type": "plain_text_input", "value": "Refund macro"}},
    }
    refused = driver.submit(ids.ADD_ACTION_VIEW, values, private_metadata=CHANNEL)
    assert refused.json()["response_action"] == "errors"
    assert "area" in refused.json()["errors"][ids.SEGMENT_BLOCK]
    values[ids.SEGMENT_BLOCK][ids.SEGMENT_INPUT]["value"] = "area=billing"
    accepted = driver.submit(ids.ADD_ACTION_VIEW, values, private_metadata=CHANNEL)
    assert accepted.status_code == 200 and accepted.text == ""
    with session_factory() as session:
        action = get_action(session, workspace_id="default", action_id=1)
    assert (action.metric, action.dimension, action.segment) == ("csat", "product_area", "billing")


def test_done_records_outcome_and_followup_value_and_updates_card(driver, session_factory):
    seed_metrics(session_factory)
    action_id = _open(session_factory, channel=CHANNEL, ts="1700000000.000001")
    driver.slack.add_message(CHANNEL, "1700000000.000001", "the action's card")
    driver.command(f"action done {action_id} improved: macros cut FRT", user=OWNER)
    assert "is done" in driver.answer()["text"]
    with session_factory() as session:
        action = get_action(session, workspace_id="default", action_id=action_id)
        kinds = [e.kind for e in history(session, workspace_id="default", action_id=action_id)]
    assert action.status == "done" and action.outcome_class == "improved" and action.value_at_followup == 7200.0
    assert kinds == ["created", "done"]
    assert driver.slack.wait_for("chat.update")[0].args["ts"] == "1700000000.000001"
    assert [u["ts"] for u in driver.slack.updates] == ["1700000000.000001"]  # the card was edited in place
    card = json.dumps(driver.slack.wait_for("chat.update")[0].args["blocks"])
    assert "verdict: *too early to tell*" in card  # the engine's verdict, not the owner's word or a one-day change
    assert "(improved)" not in card


def test_only_owner_or_admin_may_close(driver, session_factory):
    action_id = _open(session_factory)
    driver.command(f"action close {action_id} not needed", user=OTHER)
    assert "only the owner or an admin" in driver.answer()["text"]
    driver.command(f"action close {action_id} not needed", user=ADMIN)
    assert "closed" in driver.answer(2)["text"]
    with session_factory() as session:
        assert get_action(session, workspace_id="default", action_id=action_id).status == "closed"


def test_admin_through_user_group(driver, session_factory):
    driver.command("annotate 2026-11-18 release v2.3 <!channel>", user="U0GROUPADMIN")
    assert "Marked Wed 18 Nov as release" in driver.answer()["text"]
    driver.command("annotate 2026-11-18 incident outage", user=OTHER)
    assert "only admins" in driver.answer(2)["text"]
    with session_factory() as session:
        labels = [a.label for a in session.query(Annotation).all()]
    assert labels == ["v2.3 <!channel>"]


def test_unicode_digit_ids_get_a_usage_reply_not_a_500(driver, session_factory):
    _open(session_factory)
    for text in ("action done ² fixed", "action close ①", "snooze ٣ 1d"):
        response = driver.command(text)
        assert response.status_code == 200, text
        assert "is not an action number" in response.json()["text"], text
    for value in ("²", "①", "٣"):
        assert driver.click(ids.ACTION_SNOOZE, value).status_code == 200
    replies = driver.slack.wait_for("chat.postMessage", 3)  # no response_url on App Home: the answer is a DM
    assert all("carries no action number" in json.dumps(c.args) for c in replies)
    with session_factory() as session:
        assert get_action(session, workspace_id="default", action_id=1).status == "open"


def test_unknown_action_is_a_short_reply(driver):
    driver.command("action done 99 fixed")
    assert "no action #99" in driver.answer()["text"]


def test_snooze_carry_update_and_actions_list(driver, session_factory):
    action_id = _open(session_factory)
    driver.command(f"snooze {action_id} 1w")
    assert "snoozed until Fri 27 Nov" in driver.answer(1)["text"]
    driver.command(f"action update {action_id} due 2026-12-04 waiting on vendor")
    assert "updated" in driver.answer(2)["text"]
    driver.command(f"action carry {action_id}")
    assert "carried over, now due Fri 27 Nov" in driver.answer(3)["text"]
    driver.command("actions mine")
    listing = driver.texts(driver.answer(4))
    assert f"#{action_id}" in listing and "carried over" in listing
    with session_factory() as session:
        events = history(session, workspace_id="default", action_id=action_id)
    assert [e.kind for e in events] == ["created", "snoozed", "updated", "note", "carried"]


def test_log_shows_trigger_action_owner_outcome(driver, session_factory):
    action_id = _open(session_factory)
    driver.command(f"action done {action_id} worse: did not help")
    driver.answer(1)
    driver.command("log frt")
    text = driver.texts(driver.answer(2))
    assert "Decision log" in text and f"#{action_id}" in text and "did not help" in text and "manual" in text


def test_internal_error_never_reaches_slack_as_a_trace(driver, session_factory, monkeypatch):
    import bot.slack.readings as readings

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(readings, "scorecard", boom)
    driver.command("")
    text = driver.answer()["text"]
    assert "Something went wrong" in text and "secret internals" not in text and "Traceback" not in text


# --- buttons and App Home ------------------------------------------------------------------------------

def test_home_shows_actions_scorecard_review_and_agent_panel(driver, session_factory):
    seed_metrics(session_factory)
    seed_tickets(session_factory)
    _open(session_factory)
    assert driver.event({"type": "app_home_opened", "user": OWNER, "tab": "home"}).status_code == 200
    call = driver.slack.wait_for("views.publish")[0]
    view = json.dumps(call.args["view"])
    assert call.args["user_id"] == OWNER
    assert ids.ACTION_DONE in view and ids.ACTION_SNOOZE in view and ids.ACTION_UPDATE in view
    assert "Next weekly review" in view and "You and the team" in view
    assert "4 solved" in view and "10 solved" in view  # own volume beside the team's


def test_home_without_agent_email_has_no_agent_panel(driver, session_factory):
    seed_tickets(session_factory)
    driver.event({"type": "app_home_opened", "user": "U0NOBODY", "tab": "home"})
    view = json.dumps(driver.slack.wait_for("views.publish")[0].args["view"])
    assert "You and the team" not in view


def test_done_button_opens_outcome_modal_and_submission_completes(driver, session_factory):
    action_id = _open(session_factory)
    assert driver.click(ids.ACTION_DONE, str(action_id)).status_code == 200
    view = driver.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == ids.OUTCOME_VIEW and view["private_metadata"] == str(action_id)
    values = {ids.OUTCOME_BLOCK: {ids.OUTCOME_INPUT: {"type": "plain_text_input", "value": "Backlog cleared"}},
              ids.OUTCOME_CLASS_BLOCK: {ids.OUTCOME_CLASS_INPUT: {"type": "static_select",
                                                                   "selected_option": {"value": "improved"}}}}
    assert driver.submit(ids.OUTCOME_VIEW, values, private_metadata=str(action_id)).status_code == 200
    with session_factory() as session:
        action = get_action(session, workspace_id="default", action_id=action_id)
    assert action.status == "done" and action.outcome == "Backlog cleared"


def test_snooze_button_by_someone_else_is_refused(driver, session_factory):
    action_id = _open(session_factory)
    driver.click(ids.ACTION_SNOOZE, str(action_id), user=OTHER)
    # App Home has no response_url: the reply goes to the user's DM with the app.
    reply = driver.slack.wait_for("chat.postMessage")[0]
    assert reply.args["channel"] == OTHER and "only the owner or an admin" in reply.args["text"]


def test_update_button_opens_update_modal(driver, session_factory):
    action_id = _open(session_factory)
    driver.click(ids.ACTION_UPDATE, str(action_id))
    assert driver.slack.wait_for("views.open")[0].args["view"]["callback_id"] == ids.UPDATE_VIEW


def test_snooze_button_snoozes_a_week_and_refreshes_home(driver, session_factory):
    action_id = _open(session_factory)
    driver.click(ids.ACTION_SNOOZE, str(action_id))
    driver.slack.wait_for("views.publish")
    with session_factory() as session:
        action = get_action(session, workspace_id="default", action_id=action_id)
    assert action.status == "snoozed" and action.snoozed_until == date(2026, 11, 27)


def test_review_buttons_carry_close_and_snooze_a_day(driver, session_factory):
    from bot.slack import action_ids as slack_ids

    carried, closed, snoozed = _open(session_factory), _open(session_factory), _open(session_factory)
    driver.click(slack_ids.ACTION_CARRY, str(carried))
    driver.click(slack_ids.ACTION_CLOSE, str(closed))
    driver.click(slack_ids.ACTION_SNOOZE_DAY, str(snoozed))
    # Each handler runs in the background: each refreshes App Home, carry and close also answer by DM.
    assert len(driver.slack.wait_for("chat.postMessage", count=2)) == 2
    assert len(driver.slack.wait_for("views.publish", count=3)) == 3
    with session_factory() as session:
        assert get_action(session, workspace_id="default", action_id=carried).status == "carried"
        assert get_action(session, workspace_id="default", action_id=closed).status == "closed"
        action = get_action(session, workspace_id="default", action_id=snoozed)
    assert action.status == "snoozed" and action.snoozed_until == date(2026, 11, 21)


def test_review_log_action_opens_prefilled_modal_linked_to_trigger(driver, session_factory):
    from bot.slack import action_ids as slack_ids
    from bot.storage.models import TriggerRow

    with session_factory.begin() as session:
        trigger = TriggerRow(workspace_id="default", rule="csat-drop", metric="csat", dimension="product_area",
                             segment="billing", zone="act_now", fired_on=date(2026, 11, 18))
        session.add(trigger)
        session.flush()
        trigger_id = trigger.id
    value = json.dumps({"metric": "csat", "dimension": "product_area", "segment": "billing", "trigger_id": trigger_id})
    driver.click(slack_ids.RITUAL_LOG_ACTION, value)
    view = driver.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == ids.ADD_ACTION_VIEW
    assert "product_area=billing" in json.dumps(view)
    values = {ids.METRIC_BLOCK: {ids.METRIC_INPUT: {"type": "static_select", "selected_option": {"value": "csat"}}},
              ids.SEGMENT_BLOCK: {ids.SEGMENT_INPUT: {"type": "plain_text_input", "value": "product_area=billing"}},
              ids.OWNER_BLOCK: {ids.OWNER_INPUT: {"type": "users_select", "selected_user": OWNER}},
              ids.DUE_BLOCK: {ids.DUE_INPUT: {"type": "datepicker", "selected_date": "2026-11-30"}},
              ids.DESCRIPTION_BLOCK: {ids.DESCRIPTION_INPUT: {"type": "plain_text_input", "value": "Fix the card form"}}}
    assert driver.submit(ids.ADD_ACTION_VIEW, values, private_metadata=view["private_metadata"]).status_code == 200
    with session_factory() as session:
        (action,) = [a for a in list_actions(session, workspace_id="default") if a.description == "Fix the card form"]
    assert (action.trigger_id, action.dimension, action.segment) == (trigger_id, "product_area", "billing")


def test_a_database_outage_before_the_ack_is_still_acked_and_answered(driver, monkeypatch):
    """Reading the workspace's settings fails (the database is down): Slack gets its ack in time, not
    `dispatch_failed`, and the user a short reply with a reference, never the error."""
    from sqlalchemy.exc import OperationalError

    import bot.workspaces.cache as workspace_settings

    def down(*args, **kwargs):
        raise OperationalError("SELECT workspaces", {}, Exception("connection refused: secret-host"))

    monkeypatch.setattr(workspace_settings, "read_stored", down)
    response = driver.command("")
    assert response.status_code == 200
    text = driver.answer()["text"]
    assert "Something went wrong" in text and "secret-host" not in text and "Traceback" not in text
