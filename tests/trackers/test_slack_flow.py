"""Done when: from a digest theme, a signed button click and a modal submission create one issue on the fake
Jira and one on the fake Linear; a second click offers the link instead of a duplicate; the resolved issue's
theme later shows a fix verdict from the shared engine. The real app behind its ASGI endpoint, signed requests,
the fake Slack Web API, and both trackers on loopback."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.rituals.digests import gather, render_digest
from bot.slack import tracker_ids as t
from bot.storage.models import TicketRow
from bot.storage.themes import replace_themes
from bot.storage.tracker_models import TrackerLink
from bot.trackers.poll import poll_links
from tests.fakes.loopback import serve
from tests.fakes.slack import serve_slack
from tests.slack.conftest import NOW, SECRET, running_app
from tests.trackers.fakes import JIRA_EMAIL, JIRA_TOKEN, LINEAR_KEY, FakeJira, FakeLinear

ADMIN, OTHER, CHANNEL = "U0ADMIN", "U0OTHER", "C0BILLING"
WEEK = date(2026, 11, 9)  # the last whole week before NOW (Fri 20 Nov): Mon 9 – Sun 15 Nov
THEMES = {"t-pay": "Payment failed on the new billing page", "t-inv": "Invoice copy requests"}


def settings_for(tmp_path, slack, jira_url: str, linear_url: str):
    config = tmp_path / "signalroom.toml"
    config.write_text(f'timezone = "UTC"\n[slack]\nadmins = ["{ADMIN}"]\nalerts_channel = "C0ALERTS"\n[product_areas]\nbilling = ["billing"]\n'
                      f'[[routing]]\nproduct_area = "billing"\nchannel = "{CHANNEL}"\nonly_when_notable = false\n'
                      '[trackers]\ndefault = "jira"\n[trackers.jira]\nproject = "PAY"\n'
                      '[trackers.linear]\nteam_id = "team-uuid-1"\n'
                      '[sources.zendesk]\n')
    env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-single", "SLACK_API_URL": slack.api_url,
           "ZENDESK_URL": "https://acme.zendesk.com", "JIRA_URL": jira_url, "JIRA_EMAIL": JIRA_EMAIL,
           "JIRA_API_TOKEN": JIRA_TOKEN, "LINEAR_API_KEY": LINEAR_KEY, "LINEAR_URL": linear_url}
    return load_settings(env, config_path=str(config))


def seed(session_factory, *, per_day: dict[str, tuple[int, int]], fixed_on: date, days_before: int = 70,
         days_after: int = 0) -> None:
    """Tickets per theme and day (before the fix, from it on), and a stored themes run counting WEEK."""
    members: dict[str, list[str]] = {k: [] for k in THEMES}
    week_ids: dict[str, list[int]] = {k: [] for k in THEMES}
    with session_factory.begin() as session:
        n = 0
        for offset in range(-days_before, days_after + 1):
            day = fixed_on + timedelta(days=offset)
            for theme, (before, after) in per_day.items():
                for i in range(before if offset < 0 else after):
                    n += 1
                    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(minutes=i)
                    row = TicketRow(workspace_id="default", source="zendesk", external_id=str(n), status="solved",
                                    created_at=at, updated_at=at, solved_at=at + timedelta(hours=2),
                                    tags=["billing"], raw={}, csat="satisfied" if i % 2 else "unsatisfied")
                    session.add(row)
                    session.flush()
                    members[theme].append(str(row.id))
                    if WEEK <= day < WEEK + timedelta(days=7):
                        week_ids[theme].append(row.id)
        replace_themes(session, workspace_id="default", themes=[{
            "theme_id": key, "name": name, "embedder": "hashing", "centroid": b"", "key_phrases": [],
            "first_seen": None, "ticket_ids": members[key], "shown": True, "label": name, "representative": None,
            "product_area": "billing", "status": "steady",
            "weeks": [{"week_start": WEEK.isoformat(), "count": len(week_ids[key]), "baseline": 60.0, "notable": True,
                       "csat": 0.51, "median_resolution_seconds": 7200.0,
                       "examples": [{"ticket_id": str(i)} for i in week_ids[key][-5:][::-1]]}],
        } for key, name in THEMES.items()])


@pytest.fixture
def world(tmp_path, session_factory) -> Iterator[tuple]:
    jira, linear = FakeJira(), FakeLinear()
    with serve(jira) as jira_url, serve(linear) as linear_url, serve_slack(users={}) as slack:
        settings = settings_for(tmp_path, slack, jira_url, linear_url)
        with running_app(settings, session_factory, slack) as driver:
            yield driver, slack, jira, linear, settings


def detail_buttons(session_factory, settings, today: date) -> dict[str, dict]:
    with session_factory() as session:
        (digest,) = gather(session, settings=settings, today=today, period="p")
    _, (detail,) = render_digest(digest)
    return {json.loads(b["accessory"]["value"])["s"]: b for b in detail.blocks if b.get("accessory")}


def click(driver, button: dict, *, user: str = ADMIN):
    driver._n += 1
    return driver.interactive({
        "type": "block_actions", "user": {"id": user}, "trigger_id": f"trigger-{driver._n}",
        "team": {"id": "T0001", "domain": "acme"}, "channel": {"id": CHANNEL},
        "container": {"type": "message", "channel_id": CHANNEL, "message_ts": "1700000100.000200"},
        "message": {"ts": "1700000100.000200", "thread_ts": "1700000000.000100"},
        "actions": [{"action_id": button["accessory"]["action_id"], "block_id": "b", "type": "button",
                     "value": button["accessory"]["value"]}],
    })


def submit_create(driver, view: dict, *, tracker: str, user: str = ADMIN):
    values = {t.TRACKER_BLOCK: {t.TRACKER_INPUT: {"type": "static_select", "selected_option": {"value": tracker}}}}
    for block in view["blocks"]:
        element = block.get("element") or {}
        if element.get("type") == "plain_text_input":
            values[block["block_id"]] = {element["action_id"]: {"type": "plain_text_input",
                                                                "value": element.get("initial_value")}}
    return driver.submit(t.CREATE_VIEW, values, user=user, private_metadata=view["private_metadata"])


def test_digest_theme_to_jira_and_linear_once_each_then_link_instead_of_a_duplicate(world, session_factory):
    driver, slack, jira, linear, settings = world
    seed(session_factory, per_day={"t-pay": (17, 17), "t-inv": (9, 9)}, fixed_on=NOW.date())
    buttons = detail_buttons(session_factory, settings, NOW.date())
    assert buttons["t-pay"]["accessory"]["action_id"] == t.CREATE_ISSUE
    assert buttons["t-pay"]["accessory"]["text"]["text"] == "Create issue"

    assert click(driver, buttons["t-pay"]).status_code == 200
    view = slack.wait_for("views.open", 1)[0].args["view"]
    assert view["callback_id"] == t.CREATE_VIEW
    fields = {b["block_id"]: (b.get("element") or {}).get("initial_value") for b in view["blocks"]}
    assert fields[t.TITLE_BLOCK] == THEMES["t-pay"]
    description = fields[t.BODY_BLOCK]
    assert "119 in the week of 9 Nov 2026, +98 % against the 4-week average" in description
    assert "CSAT 51 %" in description and "Median resolution 2.0 h" in description
    assert description.count("https://acme.zendesk.com/agent/tickets/") == 5
    assert "https://acme.slack.com/archives/C0BILLING/p1700000100000200?thread_ts=1700000000.000100" in description

    assert submit_create(driver, view, tracker="jira").status_code == 200
    slack.wait_for("chat.postMessage", 2)  # the DM to the user and the note in the thread
    assert len(jira.created) == 1 and jira.created[0]["summary"] == THEMES["t-pay"]
    assert jira.created[0]["project"] == {"key": "PAY"} and jira.created[0]["issuetype"] == {"name": "Bug"}
    assert jira.created[0]["description"]["content"][0]["content"][0]["text"].startswith("Support tickets about")
    thread_note = next(c.args for c in slack.of("chat.postMessage") if c.args.get("thread_ts"))
    assert thread_note["channel"] == CHANNEL and "PAY-1" in json.dumps(thread_note["blocks"])

    # the second click on the same theme offers the open issue, not a second one
    click(driver, buttons["t-pay"])
    link_view = slack.wait_for("views.open", 2)[1].args["view"]
    assert link_view["callback_id"] == t.LINK_VIEW and "PAY-1" in json.dumps(link_view["blocks"])
    assert len(jira.created) == 1

    # the other theme goes to Linear
    click(driver, buttons["t-inv"])
    view = slack.wait_for("views.open", 3)[2].args["view"]
    submit_create(driver, view, tracker="linear")
    slack.wait_for("chat.postMessage", 4)
    assert len(linear.created) == 1 and linear.created[0]["teamId"] == "team-uuid-1"
    with session_factory() as session:
        rows = session.scalars(select(TrackerLink).order_by(TrackerLink.id)).all()
        assert [(r.subject_key, r.tracker, r.issue_key, r.is_open) for r in rows] == [
            ("t-pay", "jira", "PAY-1", True), ("t-inv", "linear", "ENG-1", True)]

    # after a poll the digest names both issues with their status, and the button says which issue it is
    report = poll_links(session_factory, settings, now=NOW + timedelta(hours=1))  # due after poll_minutes
    assert (report.refreshed, report.problems) == (2, {})
    buttons = detail_buttons(session_factory, settings, NOW.date())
    assert buttons["t-pay"]["accessory"]["text"]["text"] == "Issue PAY-1"
    assert buttons["t-pay"]["text"]["text"].endswith("\n:link: <%s/browse/PAY-1|PAY-1> To Do" % settings.env.jira_url)


def test_only_admins_and_owners_may_create(world, session_factory):
    driver, slack, jira, linear, settings = world
    seed(session_factory, per_day={"t-pay": (3, 3), "t-inv": (2, 2)}, fixed_on=NOW.date(), days_before=14)
    buttons = detail_buttons(session_factory, settings, NOW.date())
    click(driver, buttons["t-pay"], user=OTHER)
    (dm,) = [c.args for c in slack.wait_for("chat.postMessage", 1)]
    assert "only admins and owners" in json.dumps(dm["blocks"]) and not slack.of("views.open")


def test_a_playbook_owner_stored_for_the_workspace_may_create(world, session_factory):
    from bot.workspaces.settings import change_settings

    driver, slack, jira, linear, settings = world
    seed(session_factory, per_day={"t-pay": (3, 3), "t-inv": (2, 2)}, fixed_on=NOW.date(), days_before=14)
    change_settings(session_factory, settings, "default", {"playbooks.billing_fix.owner": OTHER}, ADMIN)
    buttons = detail_buttons(session_factory, settings, NOW.date())
    click(driver, buttons["t-pay"], user=OTHER)
    (opened,) = [c.args for c in slack.wait_for("views.open", 1)]
    assert opened["view"]["callback_id"] == t.CREATE_VIEW


def test_a_refused_create_links_nothing_and_says_why(world, session_factory):
    driver, slack, jira, linear, settings = world
    seed(session_factory, per_day={"t-pay": (3, 3), "t-inv": (2, 2)}, fixed_on=NOW.date(), days_before=14)
    jira.projects.pop("PAY")  # the project was deleted
    click(driver, detail_buttons(session_factory, settings, NOW.date())["t-pay"])
    submit_create(driver, slack.wait_for("views.open", 1)[0].args["view"], tracker="jira")
    (dm,) = [c.args for c in slack.wait_for("chat.postMessage", 1)]
    assert "project PAY not found" in json.dumps(dm["blocks"])
    with session_factory() as session:
        assert session.scalars(select(TrackerLink)).all() == []


def test_resolved_issue_gives_the_theme_a_fix_verdict(tmp_path, session_factory):
    fixed_on = date(2026, 10, 29)
    jira = FakeJira()
    with serve(jira) as jira_url, serve(FakeLinear()) as linear_url, serve_slack(users={}) as slack:
        settings = settings_for(tmp_path, slack, jira_url, linear_url)
        seed(session_factory, per_day={"t-pay": (17, 2), "t-inv": (9, 9)}, fixed_on=fixed_on, days_after=22)
        from bot.trackers.clients import make_client
        from bot.trackers.links import Subject, create_issue
        from integrations.trackers.base import IssueDraft

        client = make_client(settings, "jira", sleep=lambda s: None)
        create_issue(session_factory, client, workspace_id="default", subject=Subject("theme", "t-pay", "Payment"),
                     draft=IssueDraft("Payment failed", "d", "PAY"), user=ADMIN,
                     now=datetime(2026, 10, 20, tzinfo=UTC))
        jira.resolve("PAY-1", datetime(2026, 10, 29, 16, 0, tzinfo=UTC))
        report = poll_links(session_factory, settings, now=datetime(2026, 10, 30, tzinfo=UTC))
        assert (report.refreshed, report.resolved) == (1, 1)
        today = fixed_on + timedelta(days=23)
        with session_factory() as session:
            (digest,) = gather(session, settings=settings, today=today, period="p")
        message, _ = render_digest(digest)
        text = json.dumps(message.blocks, ensure_ascii=False)
        assert "fixed in <" in text and "|PAY-1> on 29 Oct" in text
        assert "tickets since then 14 a week against 119 before: *improved*" in text


def test_link_to_existing_replaces_the_open_link_and_refuses_an_unknown_key(world, session_factory):
    driver, slack, jira, linear, settings = world
    seed(session_factory, per_day={"t-pay": (3, 3), "t-inv": (2, 2)}, fixed_on=NOW.date(), days_before=14)
    jira._create({"fields": {"project": {"key": "PAY"}, "issuetype": {"name": "Bug"}, "summary": "Older report"}})
    button = detail_buttons(session_factory, settings, NOW.date())["t-pay"]
    click(driver, button)
    submit_create(driver, slack.wait_for("views.open", 1)[0].args["view"], tracker="jira")  # PAY-2
    slack.wait_for("chat.postMessage", 2)
    click(driver, button)
    link_view = slack.wait_for("views.open", 2)[1].args["view"]
    key_block = {t.KEY_BLOCK: {t.KEY_INPUT: {"type": "plain_text_input", "value": "pay-404"}}}
    driver.submit(t.LINK_VIEW, key_block, user=ADMIN, private_metadata=link_view["private_metadata"])
    refusal = slack.wait_for("chat.postMessage", 3)[2].args
    assert "PAY-404 was not linked" in json.dumps(refusal["blocks"])
    key_block[t.KEY_BLOCK][t.KEY_INPUT]["value"] = "PAY-1"
    driver.submit(t.LINK_VIEW, key_block, user=ADMIN, private_metadata=link_view["private_metadata"])
    slack.wait_for("chat.postMessage", 5)
    with session_factory() as session:
        rows = session.scalars(select(TrackerLink).order_by(TrackerLink.id)).all()
        assert [(r.issue_key, r.status_category, r.is_open) for r in rows] == [
            ("PAY-2", "unlinked", False), ("PAY-1", "todo", True)]
    assert len(jira.created) == 2  # the older report and the one made from the form, nothing more


def test_link_form_submitted_after_the_trackers_are_gone_says_so(tmp_path, session_factory):
    with serve_slack(users={}) as slack:
        config = tmp_path / "bare.toml"
        config.write_text(f'[slack]\nadmins = ["{ADMIN}"]\n')
        settings = load_settings({"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-single",
                                  "SLACK_API_URL": slack.api_url}, config_path=str(config))
        with running_app(settings, session_factory, slack) as driver:
            metadata = json.dumps({"k": "theme", "s": "t-pay", "ch": CHANNEL, "ts": "1700000000.000100"})
            key = {t.KEY_BLOCK: {t.KEY_INPUT: {"type": "plain_text_input", "value": "PAY-1"}}}
            assert driver.submit(t.LINK_VIEW, key, user=ADMIN, private_metadata=metadata).status_code == 200
            (dm,) = [c.args for c in slack.wait_for("chat.postMessage", 1)]
    assert "PAY-1 was not linked: no issue tracker is set up" in json.dumps(dm["blocks"])
