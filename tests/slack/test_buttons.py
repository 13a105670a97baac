"""Clicks leave a trace (issue 12.4): Done, Carry, Snooze and Close update the message that was clicked with
who did it and the new state; Done tells the outcome and its verdict in the current weekly review's thread;
alerts get Acknowledge (take ownership), Log action and Mute. Through the real app and the fake Slack."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from bot.actions.service import get_action, history, open_action
from bot.rituals import action_ids as ritual_ids
from bot.rituals import windows
from bot.slack import action_ids as ids
from bot.storage.models import PostedMessage, TriggerRow
from tests.slack.conftest import ADMIN, CHANNEL, OTHER, OWNER

REVIEW_CHANNEL, REVIEW_TS = "C0REVIEW", "1700000100.000100"
# The day a change is stamped with (the action log's clock, the team's timezone), as messages say it.
ON = windows.day(datetime.now(ZoneInfo("Europe/Berlin")).date())
DM = "D" + OWNER


# --- helpers -----------------------------------------------------------------------------------------

def _open(session_factory, *, owner=OWNER, description="Fix macros", trigger_id=None, channel=None) -> int:
    with session_factory.begin() as session:
        return open_action(session, workspace_id="default", metric="first_response_time", description=description,
                           owner=owner, created_by=owner, due_on=date(2026, 11, 27), value_at_open=7200.0,
                           trigger_id=trigger_id, channel=channel).id


def _row(action_id: int, *buttons: tuple[str, str]) -> list[dict]:
    """An item as the ritual templates draw it: a section and its button row (block id `action:<id>`)."""
    return [
        {"type": "section", "block_id": f"item{action_id}", "text": {"type": "mrkdwn", "text": f"*#{action_id} Fix*"}},
        {"type": "actions", "block_id": f"{ids.ACTION_ROW}{action_id}", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action, "value": str(action_id)}
            for label, action in buttons]},
    ]


REVIEW_BUTTONS = (("Done", ids.ACTION_DONE), ("Carry", ids.ACTION_CARRY), ("Close", ids.ACTION_CLOSE))
REMINDER_BUTTONS = (("Done", ids.ACTION_DONE), ("Snooze 1d", ids.ACTION_SNOOZE_DAY), ("Snooze 1w", ids.ACTION_SNOOZE))


def _put(slack, channel: str, ts: str, blocks: list[dict], *, thread_ts: str | None = None, text: str = "msg") -> None:
    """A message the app posted earlier (a review reply, a reminder, an alert), as Slack keeps it."""
    slack.add_message(channel, ts, text, thread_ts=thread_ts)
    slack.messages[-1]["blocks"] = blocks


def _message(slack, channel: str, ts: str) -> dict:
    return next(m for m in slack.messages if m["channel"] == channel and m["ts"] == ts)


def _click(driver, channel: str, ts: str, action_id: str, value: str, *, user: str = OWNER,
           thread_ts: str | None = None, block_id: str | None = None, blocks: list[dict] | None = None):
    """A click on a button in a message, with the payload Slack sends (the message's blocks included;
    `blocks`: as the clicker's screen still showed them, for a click that raced an update)."""
    driver._n += 1
    message = _message(driver.slack, channel, ts)
    payload_message = {"type": "message", "ts": ts, "text": message["text"],
                       "blocks": message["blocks"] if blocks is None else blocks}
    if thread_ts:
        payload_message["thread_ts"] = thread_ts
    return driver.interactive({
        "type": "block_actions", "user": {"id": user}, "trigger_id": f"trigger-{driver._n}",
        "container": {"type": "message", "channel_id": channel, "message_ts": ts, "is_ephemeral": False},
        "channel": {"id": channel}, "message": payload_message, "response_url": driver.slack.response_url(driver._n),
        "actions": [{"action_id": action_id, "block_id": block_id or "", "value": value, "type": "button"}],
    })


def _updates_of(slack, ts: str, count: int = 1) -> list[dict]:
    calls = slack.wait_for("chat.update", count)
    return [c.args for c in calls if c.args["ts"] == ts]


def _text(blocks) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _seed_review(session_factory) -> None:
    """The current weekly review's parent message, as the ledger recorded it when the ritual posted it."""
    now = datetime(2026, 11, 16, 8, 30, tzinfo=timezone.utc)
    with session_factory.begin() as session:
        session.add(PostedMessage(workspace_id="default", ritual="weekly_review", channel=REVIEW_CHANNEL,
                                  period="2026-W47", status="posted", ts=REVIEW_TS, post_key="k" * 32,
                                  created_at=now, updated_at=now))


def _submit_outcome(driver, metadata: str, text: str = "Macros cut first response"):
    values = {ids.OUTCOME_BLOCK: {ids.OUTCOME_INPUT: {"type": "plain_text_input", "value": text}},
              ids.OUTCOME_CLASS_BLOCK: {ids.OUTCOME_CLASS_INPUT: {"type": "static_select",
                                                                   "selected_option": {"value": "improved"}}}}
    return driver.submit(ids.OUTCOME_VIEW, values, private_metadata=metadata)


# --- Carry, Snooze, Close: the clicked message says who and what ---------------------------------------

def test_snooze_in_a_reminder_updates_that_item_only(driver, session_factory):
    first, second = _open(session_factory), _open(session_factory, description="Call back billing")
    _put(driver.slack, DM, "1700000200.000001", _row(first, *REMINDER_BUTTONS) + _row(second, *REMINDER_BUTTONS))
    _click(driver, DM, "1700000200.000001", ids.ACTION_SNOOZE_DAY, str(first), block_id=f"{ids.ACTION_ROW}{first}")
    (update,) = _updates_of(driver.slack, "1700000200.000001")
    assert update["channel"] == DM
    blocks = update["blocks"]
    state = next(b for b in blocks if b.get("block_id") == f"{ids.ACTION_STATE}{first}")
    assert state["type"] == "context"
    assert state["elements"][0]["text"].startswith(f":zzz: Snoozed by <@{OWNER}> · {ON}")
    assert "reminders again Sat 21 Nov" in state["elements"][0]["text"]
    rows = {b["block_id"]: [e["action_id"] for e in b["elements"]] for b in blocks if b["type"] == "actions"}
    assert rows == {f"{ids.ACTION_ROW}{first}": [ids.ACTION_DONE],  # Done still makes sense; the snoozes went
                    f"{ids.ACTION_ROW}{second}": [ids.ACTION_DONE, ids.ACTION_SNOOZE_DAY, ids.ACTION_SNOOZE]}
    with session_factory() as session:
        action = get_action(session, workspace_id="default", action_id=first)
    assert (action.status, action.snoozed_until) == ("snoozed", date(2026, 11, 21))


def test_close_in_the_review_removes_the_buttons_and_says_who(driver, session_factory):
    action_id = _open(session_factory)
    _put(driver.slack, REVIEW_CHANNEL, "1700000100.000200", _row(action_id, *REVIEW_BUTTONS), thread_ts=REVIEW_TS)
    _click(driver, REVIEW_CHANNEL, "1700000100.000200", ids.ACTION_CLOSE, str(action_id), user=ADMIN,
           thread_ts=REVIEW_TS)
    (update,) = _updates_of(driver.slack, "1700000100.000200")
    assert [b["type"] for b in update["blocks"]] == ["section", "context"]
    assert f"Closed by <@{ADMIN}> · {ON}" in _text(update["blocks"])
    with session_factory() as session:
        assert get_action(session, workspace_id="default", action_id=action_id).status == "closed"


def test_carry_on_the_action_card_redraws_it_and_a_double_click_changes_nothing(driver, session_factory):
    driver.command(f"action add frt <@{OWNER}> due 2026-11-24 Add macros")
    assert "Logged action #1" in driver.answer()["text"]
    (card,) = driver.slack.in_channel(CHANNEL)
    assert [e["action_id"] for e in card["blocks"][-1]["elements"]] == [
        ids.ACTION_DONE, ids.ACTION_CARRY, ids.ACTION_SNOOZE, ids.ACTION_CLOSE]
    _click(driver, CHANNEL, card["ts"], ids.ACTION_CARRY, "1", block_id=f"{ids.ACTION_ROW}1")
    (update,) = _updates_of(driver.slack, card["ts"])
    text = _text(update["blocks"])
    assert f"Carried to next week by <@{OWNER}> · {ON} · now due Fri 27 Nov" in text
    assert ids.ACTION_CARRY not in text and ids.ACTION_DONE in text
    with session_factory() as session:
        action = get_action(session, workspace_id="default", action_id=1)
        assert (action.status, action.due_on) == ("carried", date(2026, 11, 27))
    # The same click again (a double click, or Slack's retry): the same message, no second change.
    _click(driver, CHANNEL, card["ts"], ids.ACTION_CARRY, "1", block_id=f"{ids.ACTION_ROW}1")
    updates = _updates_of(driver.slack, card["ts"], 2)
    assert len(updates) == 2 and updates[1]["blocks"] == updates[0]["blocks"]
    with session_factory() as session:
        kinds = [e.kind for e in history(session, workspace_id="default", action_id=1)]
    assert kinds == ["created", "carried"]
    assert len(driver.slack.in_channel(CHANNEL)) == 1


def test_a_click_by_someone_not_allowed_gets_an_ephemeral_explanation(driver, session_factory):
    action_id = _open(session_factory)
    _put(driver.slack, REVIEW_CHANNEL, "1700000100.000300", _row(action_id, *REVIEW_BUTTONS), thread_ts=REVIEW_TS)
    _click(driver, REVIEW_CHANNEL, "1700000100.000300", ids.ACTION_CLOSE, str(action_id), user=OTHER)
    answer = driver.answer()
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert "only the owner or an admin can close" in answer["text"]
    assert driver.slack.of("chat.update") == []
    with session_factory() as session:
        assert get_action(session, workspace_id="default", action_id=action_id).status == "open"


# --- Done: a form, then the clicked message and the review thread ---------------------------------------

def test_done_updates_the_clicked_message_and_posts_the_verdict_in_the_review_thread(driver, session_factory):
    _seed_review(session_factory)
    driver.slack.add_message(REVIEW_CHANNEL, REVIEW_TS, "Weekly support review")
    action_id = _open(session_factory)
    reply_ts = "1700000100.000400"
    _put(driver.slack, REVIEW_CHANNEL, reply_ts, _row(action_id, *REVIEW_BUTTONS), thread_ts=REVIEW_TS)
    _click(driver, REVIEW_CHANNEL, reply_ts, ids.ACTION_DONE, str(action_id), thread_ts=REVIEW_TS,
           block_id=f"{ids.ACTION_ROW}{action_id}")
    opened = driver.slack.wait_for("views.open")[0].args
    assert opened["trigger_id"].startswith("trigger-") and opened["view"]["callback_id"] == ids.OUTCOME_VIEW
    metadata = opened["view"]["private_metadata"]
    assert json.loads(metadata)["action"] == action_id and len(metadata) <= 3000
    assert _submit_outcome(driver, metadata).status_code == 200

    (update,) = _updates_of(driver.slack, reply_ts)
    assert [b["type"] for b in update["blocks"]] == ["section", "context"]  # no buttons left
    assert f":white_check_mark: Done by <@{OWNER}> · {ON}" in _text(update["blocks"])

    posted = [c.args for c in driver.slack.wait_for("chat.postMessage") if c.args.get("thread_ts") == REVIEW_TS]
    assert len(posted) == 1 and posted[0]["channel"] == REVIEW_CHANNEL
    told = _text(posted[0]["blocks"])
    assert f"#{action_id} Fix macros" in told and f"done by <@{OWNER}>" in told
    assert "Macros cut first response" in told
    assert "*too early to tell*" in told  # the one engine's verdict (bot.rituals.verdict), not the owner's word

    # A second Done from the same screen: no second form, no second post; the message says it is done.
    _click(driver, REVIEW_CHANNEL, reply_ts, ids.ACTION_DONE, str(action_id), thread_ts=REVIEW_TS,
           block_id=f"{ids.ACTION_ROW}{action_id}", blocks=_row(action_id, *REVIEW_BUTTONS))
    again = _updates_of(driver.slack, reply_ts, 2)
    assert len(again) == 2 and again[1]["blocks"] == again[0]["blocks"]
    assert len(driver.slack.of("views.open")) == 1
    # A second submission of an old form: refused on the field, nothing posted twice.
    refused = _submit_outcome(driver, metadata, "Macros cut it (from a second form)")
    assert refused.json()["response_action"] == "errors"
    assert len([c for c in driver.slack.of("chat.postMessage") if c.args.get("thread_ts") == REVIEW_TS]) == 1


def test_done_without_a_review_yet_still_updates_the_message(driver, session_factory):
    action_id = _open(session_factory)
    _put(driver.slack, DM, "1700000200.000500", _row(action_id, *REMINDER_BUTTONS))
    _click(driver, DM, "1700000200.000500", ids.ACTION_DONE, str(action_id))  # no block id: found by its button
    metadata = driver.slack.wait_for("views.open")[0].args["view"]["private_metadata"]
    _submit_outcome(driver, metadata)
    (update,) = _updates_of(driver.slack, "1700000200.000500")
    assert "Done by" in _text(update["blocks"]) and ids.ACTION_DONE not in _text(update["blocks"])
    assert [c for c in driver.slack.of("chat.postMessage") if c.args.get("thread_ts")] == []


def test_slash_done_also_posts_in_the_review_thread(driver, session_factory):
    _seed_review(session_factory)
    driver.slack.add_message(REVIEW_CHANNEL, REVIEW_TS, "Weekly support review")
    action_id = _open(session_factory)
    driver.command(f"action done {action_id} improved: macros cut FRT")
    assert "is done" in driver.answer()["text"]
    (posted,) = [c.args for c in driver.slack.of("chat.postMessage") if c.args.get("thread_ts") == REVIEW_TS]
    assert "too early to tell" in _text(posted["blocks"])


# --- alerts: Acknowledge, Log action, Mute --------------------------------------------------------------

def _alert(session_factory, slack, *, with_action: bool = True, segment: str = "billing"):
    """A trigger, its playbook action (when it has a playbook) and the channel alert as the ritual posts it."""
    from bot.rituals import alerts

    with session_factory.begin() as session:
        trigger = TriggerRow(workspace_id="default", rule="csat-drop", metric="csat", dimension="product_area",
                             segment=segment, zone="act_now", fired_on=date(2026, 11, 19), status="open",
                             playbook="csat-recovery" if with_action else None, alert_channel=CHANNEL,
                             alert_ts="1700000300.000001",
                             evidence={"value": 0.61, "expected": 0.88, "since": "2026-11-17"})
        session.add(trigger)
        session.flush()
        action_id = None
        if with_action:
            action_id = open_action(session, workspace_id="default", metric="csat", description="Billing CSAT recovery",
                                    owner=OWNER, created_by="signalroom", due_on=date(2026, 11, 26),
                                    dimension="product_area", segment=segment, trigger_id=trigger.id,
                                    channel=CHANNEL).id
        item = alerts.AlertItem(trigger.id, "csat-drop", "csat", "Customer satisfaction", "billing (product area)",
                                "act_now", "61 %", "88 %", "", date(2026, 11, 19), None, None, OWNER, (), action_id,
                                None, dimension="product_area", segment_id=segment)
        message = alerts.render_group(alerts.AlertGroup(CHANNEL, (item,)))
    _put(slack, CHANNEL, "1700000300.000001", message.blocks, text=message.text)
    return trigger.id, action_id


def test_alert_has_acknowledge_log_action_and_mute_buttons(driver, session_factory):
    trigger_id, _ = _alert(session_factory, driver.slack)
    row = next(b for b in _message(driver.slack, CHANNEL, "1700000300.000001")["blocks"] if b["type"] == "actions")
    assert row["block_id"] == f"{ids.ALERT_ROW}{trigger_id}"
    buttons = {e["action_id"]: e["value"] for e in row["elements"]}
    assert set(buttons) == {ids.ALERT_ACK, ids.RITUAL_LOG_ACTION, ids.ALERT_MUTE}
    assert buttons[ids.ALERT_ACK] == str(trigger_id)
    assert json.loads(buttons[ids.ALERT_MUTE]) == {"metric": "csat", "segment_type": "product_area",
                                                   "segment_value": "billing"}
    assert json.loads(buttons[ids.RITUAL_LOG_ACTION]) == {"metric": "csat", "dimension": "product_area",
                                                          "segment": "billing", "trigger_id": trigger_id}


def test_acknowledge_makes_the_clicker_the_owner_and_updates_the_alert(driver, session_factory):
    trigger_id, action_id = _alert(session_factory, driver.slack)
    _click(driver, CHANNEL, "1700000300.000001", ids.ALERT_ACK, str(trigger_id), user=OTHER,
           block_id=f"{ids.ALERT_ROW}{trigger_id}")
    (update,) = _updates_of(driver.slack, "1700000300.000001")
    text = _text(update["blocks"])
    assert f"Acknowledged by <@{OTHER}> · {ON}" in text
    row = next(b for b in update["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in row["elements"]] == [ids.RITUAL_LOG_ACTION, ids.ALERT_MUTE]
    with session_factory() as session:
        action = get_action(session, workspace_id="default", action_id=action_id)
        kinds = [(e.kind, e.actor) for e in history(session, workspace_id="default", action_id=action_id)]
    assert action.owner == OTHER and kinds[-1] == ("acknowledged", OTHER)

    # Again by the same person: nothing new. By someone else (not an admin): told why not, owner unchanged.
    _click(driver, CHANNEL, "1700000300.000001", ids.ALERT_ACK, str(trigger_id), user=OTHER,
           block_id=f"{ids.ALERT_ROW}{trigger_id}")
    _updates_of(driver.slack, "1700000300.000001", 2)
    _click(driver, CHANNEL, "1700000300.000001", ids.ALERT_ACK, str(trigger_id), user=OWNER,
           block_id=f"{ids.ALERT_ROW}{trigger_id}")
    answer = driver.answer()
    assert answer["response_type"] == "ephemeral" and "someone else acknowledged this alert" in answer["text"]
    with session_factory() as session:
        assert get_action(session, workspace_id="default", action_id=action_id).owner == OTHER
        assert [e.kind for e in history(session, workspace_id="default", action_id=action_id)].count("acknowledged") == 1


def test_acknowledge_an_alert_without_a_playbook_opens_an_action_for_the_clicker(driver, session_factory):
    from bot.actions.service import list_actions

    trigger_id, _ = _alert(session_factory, driver.slack, with_action=False)
    _click(driver, CHANNEL, "1700000300.000001", ids.ALERT_ACK, str(trigger_id), user=OTHER)
    _updates_of(driver.slack, "1700000300.000001")
    with session_factory() as session:
        (action,) = list_actions(session, workspace_id="default")
    assert (action.owner, action.trigger_id, action.dimension, action.segment) == (OTHER, trigger_id, "product_area",
                                                                                 "billing")
    assert action.description.startswith("Find out why Customer satisfaction — billing moved")
    assert action.due_on == date(2026, 11, 23)  # three days on, moved off the weekend


def test_acknowledged_alert_redraws_without_the_button(session_factory, tmp_path):
    """A later redraw of the alert (a recovery edits it) keeps the acknowledgement: it comes from the log."""
    from bot.actions.clicks import acknowledge
    from bot.rituals import alerts
    from tests.slack.conftest import make_settings as settings_for

    settings = settings_for(tmp_path)
    with session_factory.begin() as session:
        trigger = TriggerRow(workspace_id="default", rule="csat-drop", metric="csat", zone="act_now",
                             fired_on=date(2026, 11, 19), status="open", alert_channel=CHANNEL,
                             evidence={"value": 0.61, "expected": 0.88})
        session.add(trigger)
        session.flush()
        acknowledge(session, workspace_id="default", trigger_id=trigger.id, actor=OTHER, is_admin=False,
                    today=date(2026, 11, 20), describe=lambda t: "Look into CSAT")
        (group,) = alerts.pending_alerts(session, settings=settings)
        message = alerts.render_group(group)
    text = _text(message.blocks)
    assert f"Acknowledged by <@{OTHER}>" in text and ids.ALERT_ACK not in text and ids.ALERT_MUTE in text


def test_log_action_on_an_alert_opens_the_prefilled_form(driver, session_factory):
    trigger_id, _ = _alert(session_factory, driver.slack)
    row = next(b for b in _message(driver.slack, CHANNEL, "1700000300.000001")["blocks"] if b["type"] == "actions")
    value = next(e["value"] for e in row["elements"] if e["action_id"] == ids.RITUAL_LOG_ACTION)
    _click(driver, CHANNEL, "1700000300.000001", ids.RITUAL_LOG_ACTION, value, user=OTHER)
    opened = driver.slack.wait_for("views.open")[0].args
    assert opened["trigger_id"].startswith("trigger-")
    view = opened["view"]
    assert view["callback_id"] == ids.ADD_ACTION_VIEW
    assert "product_area=billing" in _text(view["blocks"])
    assert json.loads(view["private_metadata"]) == {"channel": CHANNEL, "trigger": trigger_id}


def test_button_values_fit_slacks_limit_and_escape_nothing_away():
    long_segment = "Ärger & <Kunden> \"VIP\" " * 11  # 254 characters of the worst kind
    for value in (ritual_ids.log_action_value("csat", "organization", long_segment[:254], 123456789),
                  ritual_ids.mute_value("csat", "organization", long_segment[:254])):
        assert len(value) <= 2000
        assert json.loads(value)[("segment" if "trigger_id" in value else "segment_value")] == long_segment[:254]


# --- the card is posted once, whatever is retried ------------------------------------------------------

def test_action_card_post_goes_through_the_ledger(driver, session_factory, tmp_path):
    from bot.rituals import ledger

    driver.command(f"action add frt <@{OTHER}> due 2026-11-24 Add macros")
    driver.answer()
    with session_factory() as session:
        action = get_action(session, workspace_id="default", action_id=1)
    row = ledger.find(session_factory, workspace_id="default", key=ledger.Key("action_card", CHANNEL, "a1"))
    assert row is not None and row.status == "posted" and row.ts == action.message_ts
    dm = ledger.find(session_factory, workspace_id="default", key=ledger.Key("action_card_dm", OTHER, "a1"))
    assert dm is not None and dm.status == "posted"
    # Announcing again (a retried request) edits the card it posted, never a second one.
    from slack_sdk import WebClient

    from bot.slack.flows import announce
    from bot.slack.request import Request, RequestDb, Services
    from tests.slack.conftest import make_settings

    settings = make_settings(tmp_path, {"SLACK_BOT_TOKEN": "xoxb-single", "SLACK_API_URL": driver.slack.api_url})
    services = Services(settings=settings, session_factory=session_factory, sleep=lambda s: None,
                        now=lambda: datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc))
    client = WebClient(base_url=driver.slack.api_url, token="xoxb-single")
    request = Request(services, RequestDb(session_factory), "default", OWNER, CHANNEL, client)
    announce(request, 1)
    assert len(driver.slack.in_channel(CHANNEL)) == 1
    assert len([c for c in driver.slack.of("chat.postMessage") if c.args["channel"] == "D" + OTHER]) == 1


# --- the pieces: the row replacement (pure) and the review-thread reply (golden, hostile text inert) ------

def test_replace_row_keeps_other_items_and_replaces_an_earlier_state_line():
    from bot.slack.outcomes import Clicked, replace_row

    state = {"type": "context", "block_id": f"{ids.ACTION_STATE}1", "elements": [{"type": "mrkdwn", "text": "new"}]}
    old_state = {**state, "elements": [{"type": "mrkdwn", "text": "old"}]}
    blocks = _row(1, *REVIEW_BUTTONS)[:1] + [old_state] + _row(1, *REVIEW_BUTTONS)[1:] + _row(2, *REVIEW_BUTTONS)
    by_button = Clicked(ids.ACTION_CARRY, "1")  # no block id (Slack made one up): found by the button
    out = replace_row(blocks, by_button, state, (ids.ACTION_DONE,))
    assert [b.get("block_id") for b in out] == ["item1", f"{ids.ACTION_STATE}1", f"{ids.ACTION_ROW}1", "item2",
                                                f"{ids.ACTION_ROW}2"]
    assert out[1]["elements"][0]["text"] == "new"
    assert [e["action_id"] for e in out[2]["elements"]] == [ids.ACTION_DONE]
    assert out[4] == blocks[4]  # the other item is untouched
    assert replace_row(blocks, Clicked(ids.ACTION_CARRY, "9"), state, ()) is None  # not in this message


def test_review_outcome_reply_golden_and_inert():
    from bot.blocks import Safe, render
    from tests.golden import assert_golden

    o = {"action_id": 12, "description": "Call back unhappy billing customers", "metric_label":
         "Customer satisfaction — billing", "actor": "U0LEAD", "on": "Fri 27 Nov", "outcome": "Called 14 of them",
         "verdict": "recovered_as_usual", "verdict_words": "recovered as usual", "explanation": Safe(
             "back to 88.0 % (usual 88.0 %), about as it comes back without help; Customer satisfaction for billing "
             "usually takes 5 days to recover by itself")}
    assert_golden("ritual_review_outcome", render("ritual_review_outcome", o=o), sort_keys=False)
    evil = "<!channel> & <@U0EVIL> <https://evil.example|click>"
    text = _text(render("ritual_review_outcome", o={**o, "description": evil, "outcome": evil, "actor": evil,
                                                    "metric_label": evil}).blocks)
    assert "<!channel>" not in text and "<@U0EVIL>" not in text and "<https://evil" not in text


def test_snooze_in_an_alert_dm_updates_that_item_only(driver, session_factory):
    """The owner's alert DM, as the ritual renders it: each item's buttons have their block id, so a click
    replaces that item's row with its state line and leaves the other item's buttons alone."""
    from dataclasses import replace

    from bot.rituals import alerts

    first, second = _open(session_factory), _open(session_factory, description="Call back billing")
    item = alerts.AlertItem(7, "slow-frt", "first_response_time", "First response time (median)", "", "watch",
                            "1.7 h", "1.1 h", "", date(2026, 11, 21), None, "staffing", OWNER, ("Move two agents",),
                            first, date(2026, 11, 27), "Sat 21 Nov", "above its usual range", "Match staffing")
    dm = alerts.render_dm(OWNER, [item, replace(item, trigger_id=8, action_id=second)], CHANNEL)
    rows = [b for b in dm.blocks if b["type"] == "actions"]
    assert [b.get("block_id") for b in rows] == [f"{ids.ACTION_ROW}{first}", f"{ids.ACTION_ROW}{second}"]
    _put(driver.slack, DM, "1700000300.000001", dm.blocks)
    _click(driver, DM, "1700000300.000001", ids.ACTION_SNOOZE_DAY, str(first), block_id=f"{ids.ACTION_ROW}{first}")
    (update,) = _updates_of(driver.slack, "1700000300.000001")
    blocks = update["blocks"]
    state = next(b for b in blocks if b.get("block_id") == f"{ids.ACTION_STATE}{first}")
    assert state["elements"][0]["text"].startswith(f":zzz: Snoozed by <@{OWNER}> · {ON}")
    after = {b["block_id"]: [e["action_id"] for e in b["elements"]] for b in blocks if b["type"] == "actions"}
    assert after == {f"{ids.ACTION_ROW}{first}": [ids.ACTION_DONE],
                     f"{ids.ACTION_ROW}{second}": [ids.ACTION_DONE, ids.ACTION_SNOOZE_DAY, ids.ACTION_SNOOZE]}
