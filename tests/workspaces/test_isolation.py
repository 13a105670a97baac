"""Two workspaces in one database never see each other's rows (issue 16.1): every reader is checked.

Workspace A (T0AAA) and B (T0BBB) get tickets, daily rollups (through `rollup --workspace`), actions and
triggers that carry words only they use (group names, subjects, action descriptions). Each reader is run
for one workspace and its output must not hold a word of the other: the CLI commands with `--workspace`
(JSON where they have it), `/metrics` and App Home through the Slack app against the fake Slack (OAuth
installs: the team id is the workspace), and every ritual's gather.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.storage.models import TicketRow
from tests.slack.conftest import slack  # noqa: F401 - the fake Slack Web API fixture

A, B = "T0AAA", "T0BBB"
# Each workspace's stored settings (`signalroom settings set`): its review channel, a product area of its
# own tag routed to its own digest channel, its currency, its review day. The config file sets none of these.
CHANNELS = {A: ("C0AAAREVIEW", "C0AAADIGEST"), B: ("C0BBBREVIEW", "C0BBBDIGEST")}
TIMEZONES = {A: "Europe/Berlin", B: "America/New_York"}
REVIEW_DAYS = {A: "tue", B: "thu"}
STORED = {team: {"channels.review": f'"{CHANNELS[team][0]}"', f"product_areas.{word}": f'["{word}"]',
                 f"routing.{word}": f'{{channel = "{CHANNELS[team][1]}", only_when_notable = false}}',
                 "metrics.currency": f'"{currency}"', "metrics.monthly_support_cost": "1000",
                 "rituals.weekly_review.day": f'"{REVIEW_DAYS[team]}"'}
          for team, word, currency in ((A, "aardvark", "EUR"), (B, "bumblebee", "USD"))}
# Words only one workspace's rows and settings hold: group names, subjects, action descriptions, channels.
MARKERS = {A: ("Aardvark", "aardvark", "ALPHA-ACTION", *CHANNELS[A]),
           B: ("Bumblebee", "bumblebee", "BRAVO-ACTION", *CHANNELS[B])}
OWNER = "U0OWNER"  # owner@example.com in the fake Slack: an agent in both workspaces
PER_DAY = {A: 9, B: 4}  # tickets a day
TOPICS = ("invoice charged twice", "password reset link expired", "export to csv fails")


def other(team: str) -> str:
    return B if team == A else A


def leaks(team: str, text: str) -> list[str]:
    return [word for word in MARKERS[other(team)] if word in text]


@pytest.fixture
def env(tmp_path, db_url):
    config = tmp_path / "signalroom.toml"
    config.write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    return {"DATABASE_URL": db_url, "SIGNALROOM_CONFIG": str(config)}


def cli(env, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), env=env)
    out, err = capsys.readouterr()
    return code, out, err


def seed(session_factory, team: str, *, per_day: int, first_response: float) -> None:
    """Six weeks of tickets for `team`: its own group, subjects and assignee; its own response times."""
    from bot.actions.service import open_action

    word = MARKERS[team][0]
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with session_factory.begin() as session:
        for day in range(42):
            for i in range(per_day):
                at = now - timedelta(days=day, hours=1 + i % 12)
                session.add(TicketRow(
                    workspace_id=team, source="zendesk", external_id=f"{team}-{day}-{i}", status="solved",
                    created_at=at, updated_at=at + timedelta(hours=2), first_response_at=at + timedelta(
                        seconds=first_response), first_response_seconds=first_response,
                    solved_at=at + timedelta(hours=2), resolution_seconds=7200.0, agent_replies=1, reopens=0,
                    channel="email", group_name=f"{word} Desk", assignee=f"{word.lower()} agent",
                    assignee_email="owner@example.com" if i == 0 else f"{word.lower()}@example.com",
                    subject=f"{word.lower()} {TOPICS[i % len(TOPICS)]} {i}",
                    csat="satisfied" if i % 3 else "unsatisfied", tags=[word.lower()], raw={}))
        open_action(session, workspace_id=team, metric="first_response_time",
                    description=f"{MARKERS[team][2]}: {word} macros for the {word} Desk", owner=OWNER,
                    created_by=OWNER, due_on=(now + timedelta(days=1)).date())


@pytest.fixture
def two_workspaces(env, capsys, session_factory):
    for team, tz in TIMEZONES.items():
        assert cli(env, capsys, "workspace", "add", team, "--timezone", tz)[0] == 0
        for key, value in STORED[team].items():
            code, _, err = cli(env, capsys, "settings", "set", key, value, "--workspace", team)
            assert code == 0, err
    seed(session_factory, A, per_day=PER_DAY[A], first_response=600.0)
    seed(session_factory, B, per_day=PER_DAY[B], first_response=36000.0)
    for team in (A, B):
        code, out, err = cli(env, capsys, "rollup", "--workspace", team, "--full")
        assert code == 0, err
    return env


READERS = [
    ("metrics", "--json"),
    ("metrics", "--json", "--by", "group"),
    ("actions", "--json"),
    ("status", "--json"),
    ("agenda", "--json"),
    ("digest", "--json", "--kind", "all"),
    ("remind", "--json"),
]


@pytest.mark.parametrize("team", [A, B])
def test_every_cli_reader_shows_only_its_workspace(two_workspaces, capsys, team):
    seen = {}
    for argv in READERS:
        code, out, err = cli(two_workspaces, capsys, *argv, "--workspace", team)
        assert code in (0, 1), (argv, err)  # status: 1 when a source is not ok
        assert not leaks(team, out + err), (argv, leaks(team, out + err))
        seen[argv] = out
    by_group = json.dumps(json.loads(seen[("metrics", "--json", "--by", "group")]))
    assert f"{MARKERS[team][0]} Desk" in by_group  # its own rows are there
    actions = json.loads(seen[("actions", "--json")])["actions"]
    assert [a["description"].split(":")[0] for a in actions] == [MARKERS[team][2]]
    # Its own stored settings: the review goes to its review channel, costs are in its currency.
    review = json.loads(seen[("agenda", "--json")])["messages"]
    assert review and {m["channel"] for m in review} == {CHANNELS[team][0]}
    cost = [m["display_value"] for m in json.loads(seen[("metrics", "--json")])["metrics"]
            if m["key"] == "cost_per_resolution"]
    assert cost and cost[0].endswith(STORED[team]["metrics.currency"].strip('"')), cost


def test_themes_are_each_workspaces_own(two_workspaces, capsys):
    for team in (A, B):
        code, out, err = cli(two_workspaces, capsys, "themes", "--json", "--workspace", team)
        assert code == 0, err
        assert not leaks(team, out), leaks(team, out)
        assert MARKERS[team][1] in out  # its own subjects made its themes
    for team in (A, B):  # the stored themes the digests read, routed by the workspace's own [[routing]]
        code, out, err = cli(two_workspaces, capsys, "digest", "--json", "--workspace", team)
        assert code == 0 and not leaks(team, out), err
        digests = json.loads(out)["messages"]
        assert digests and {m["channel"] for m in digests} == {CHANNELS[team][1]}


def test_the_figures_are_each_workspaces_own(two_workspaces, capsys):
    def volume(team):
        card = json.loads(cli(two_workspaces, capsys, "metrics", "--json", "--workspace", team)[1])
        text = json.dumps(card)
        return card, text

    card_a, text_a = volume(A)
    card_b, text_b = volume(B)
    assert card_a != card_b
    assert card_a.get("timezone") == "Europe/Berlin" and card_b.get("timezone") == "America/New_York"
    frt = {team: [e["value"] for e in card["metrics"] if e["key"] == "first_response_time"]
           for team, card in ((A, card_a), (B, card_b))}
    assert frt[A] and frt[B] and max(frt[A]) < min(frt[B])  # 10 minutes against 10 hours


def test_status_lists_the_workspaces_stored_sources(two_workspaces, capsys, tmp_path):
    assert cli(two_workspaces, capsys, "source", "add", "aardvark-files", "--workspace", A, "--type", "csv",
               "--url", str(tmp_path / "a.csv"))[0] == 0
    code, out, _ = cli(two_workspaces, capsys, "status", "--json", "--workspace", A)
    assert code == 1 and [s["name"] for s in json.loads(out)["sources"]] == ["aardvark-files"]  # never synced
    for argv in (("--workspace", B), ()):  # the other workspace, and the config file's (no sources configured)
        code, out, _ = cli(two_workspaces, capsys, "status", "--json", *argv)
        assert code == 0 and json.loads(out) == {"sources": []}


def test_without_the_flag_the_config_files_workspace_is_read(two_workspaces, capsys):
    code, out, _ = cli(two_workspaces, capsys, "actions", "--json")
    assert code == 0 and json.loads(out) == {"actions": []}  # the TOML's workspace ("default") has none
    code, out, _ = cli(two_workspaces, capsys, "actions", "--json", "--workspace", "default")
    assert code == 0 and json.loads(out) == {"actions": []}


@pytest.mark.parametrize("command", ["rollup", "metrics", "actions", "agenda", "digest", "remind", "themes",
                                     "status", "sync"])
def test_an_unknown_workspace_exits_2_naming_the_known_ones(two_workspaces, capsys, command):
    code, out, err = cli(two_workspaces, capsys, command, "--workspace", "T0NOPE")
    assert code == 2 and out == ""
    assert "unknown workspace T0NOPE" in err and "default (config file), T0AAA, T0BBB" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("team", [A, B])
def test_every_rituals_gather_reads_only_its_workspace(two_workspaces, session_factory, team):
    from bot.rituals.delivery import RecordingDelivery
    from bot.rituals.registry import RITUALS, RitualContext
    from bot.rituals.runner import Runner
    from bot.workspaces.settings import settings_for

    settings = settings_for(session_factory, load_settings(two_workspaces), team)
    runner = Runner(settings, session_factory, RecordingDelivery(), with_charts=False)
    now = datetime.now(UTC)
    gathered = 0
    for key, ritual in RITUALS.items():
        if ritual.gather is None:
            continue
        today, period = runner.current_period(key, now)
        with session_factory() as session:
            result = ritual.gather(RitualContext(session, settings, now=now, today=today, period=period,
                                                 with_charts=False))
            text = repr(result)
        assert not leaks(team, text), (key, leaks(team, text))
        gathered += 1
    assert gathered >= 4
    assert str(settings.timezone) == ("Europe/Berlin" if team == A else "America/New_York")
    today, period = runner.current_period("weekly_review", now)
    review = runner.render("weekly_review", today=today, period=period)
    assert review and {item.channel for item in review} == {CHANNELS[team][0]}


def test_slack_metrics_and_app_home_show_only_the_teams_workspace(two_workspaces, tmp_path, session_factory, slack):
    """OAuth installs of both teams (slack-sdk's file store: the installation store itself is tested in
    tests/slack/test_oauth.py); each team's requests must read only its workspace."""
    from concurrent.futures import ThreadPoolExecutor

    from slack_sdk import WebClient
    from slack_sdk.oauth.installation_store import FileInstallationStore, Installation
    from starlette.testclient import TestClient

    from bot.slack.app import build_app
    from bot.slack.server import build_asgi
    from tests.slack.conftest import NOW, SlackDriver, make_settings

    installs = FileInstallationStore(base_dir=str(tmp_path / "installs"), client_id="111.222")
    for team in (A, B):
        installs.save(Installation(app_id="A0001", enterprise_id=None, team_id=team, bot_token=f"xoxb-{team}",
                                   bot_id=f"B{team}", bot_user_id=f"U{team}", bot_scopes=["commands", "chat:write"],
                                   user_id=OWNER, installed_at=0.0))
    (tmp_path / "slack").mkdir()
    settings = make_settings(tmp_path / "slack", {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "shh",
                                                  "SLACK_API_URL": slack.api_url,
                                                  "SIGNALROOM_SECRET_KEY": "k" * 43 + "="})
    executor = ThreadPoolExecutor(max_workers=2)
    app = build_app(settings, session_factory, client=WebClient(base_url=slack.api_url), installation_store=installs,
                    now=lambda: NOW, sleep=lambda s: None, listener_executor=executor)
    try:
        with TestClient(build_asgi(app, session_factory)) as http:
            _check_each_team(SlackDriver(http, slack), slack)
    finally:
        executor.shutdown(wait=True)


def _check_each_team(driver, slack) -> None:
    n = 0
    for team in (A, B):
        driver.team_id = team
        for text in ("", "first response by group 7d", "actions", "cost per resolution"):
            n += 1
            assert driver.command(text).status_code == 200
            answer = driver.texts(driver.answer(n))
            assert not leaks(team, answer), (team, text, leaks(team, answer))
            if text == "first response by group 7d":
                assert f"{MARKERS[team][0]} Desk" in answer
            if text in ("", "cost per resolution"):  # costs in the workspace's own stored currency
                assert _currency(team) in answer and _currency(other(team)) not in answer, (team, text)
        publishes = len(slack.of("views.publish"))
        assert driver.event({"type": "app_home_opened", "user": OWNER, "tab": "home"}).status_code == 200
        call = slack.wait_for("views.publish", publishes + 1)[publishes]
        assert call.token == f"xoxb-{team}"
        home = json.dumps(call.args["view"], ensure_ascii=False)
        assert not leaks(team, home), (team, leaks(team, home))
        _check_next_review(team, home)  # its own review day, in its own timezone
        assert MARKERS[team][2] in home  # the owner's action of this workspace
        # The agent panel: owner@example.com solves 1 ticket a day in each workspace, of PER_DAY[team].
        you, all_ = (int(re.search(rf"\*{who}\*\\n([\d,]+) solved", home).group(1).replace(",", ""))
                     for who in ("You", "Team"))
        assert abs(all_ / you - PER_DAY[team]) < 1, (team, you, all_)


def _currency(team: str) -> str:
    return STORED[team]["metrics.currency"].strip('"')


def _check_next_review(team: str, home: str) -> None:
    """Home's next weekly review: the workspace's stored day at 09:30 in its own timezone, after NOW."""
    from zoneinfo import ZoneInfo

    from tests.slack.conftest import NOW

    found = re.search(r"Next weekly review: <!date\^(\d+)\^", home)
    assert found, home
    at = datetime.fromtimestamp(int(found.group(1)), UTC)
    local = at.astimezone(ZoneInfo(TIMEZONES[team]))
    assert local.strftime("%a").lower() == REVIEW_DAYS[team] and local.strftime("%H:%M") == "09:30", (team, local)
    assert NOW < at <= NOW + timedelta(days=7)
