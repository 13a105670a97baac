"""`signalroom trackers check|poll` against the fakes on loopback."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.cli import main
from bot.config import load_settings
from bot.trackers.clients import make_client
from bot.trackers.links import Subject, create_issue
from integrations.trackers.base import IssueDraft
from tests.fakes.loopback import serve
from tests.trackers.fakes import JIRA_EMAIL, JIRA_TOKEN, LINEAR_KEY, FakeJira, FakeLinear


def env_for(tmp_path, db_url: str, jira_url: str, linear_url: str, **extra) -> dict[str, str]:
    config = tmp_path / "signalroom.toml"
    config.write_text('[trackers]\ndefault = "jira"\n[trackers.jira]\nproject = "PAY"\n')
    return {"SIGNALROOM_CONFIG": str(config), "DATABASE_URL": db_url, "JIRA_URL": jira_url, "JIRA_EMAIL": JIRA_EMAIL,
            "JIRA_API_TOKEN": JIRA_TOKEN, "LINEAR_API_KEY": LINEAR_KEY, "LINEAR_URL": linear_url, **extra}


def test_check_names_each_account_and_fails_on_a_bad_token(tmp_path, db_url, capsys):
    with serve(FakeJira()) as jira_url, serve(FakeLinear()) as linear_url:
        assert main(["trackers", "check"], env_for(tmp_path, db_url, jira_url, linear_url)) == 0
        assert capsys.readouterr().out.splitlines() == ["jira: ok, as Signalroom bot", "linear: ok, as Signalroom bot"]
        env = env_for(tmp_path, db_url, jira_url, linear_url, JIRA_API_TOKEN="wrong-token-xyz")
        assert main(["trackers", "check"], env) == 1
        out = capsys.readouterr().out
        assert "jira: authentication failed (HTTP 401)" in out and "jira: jira" not in out and "wrong-token-xyz" not in out


def test_poll_refreshes_open_links_and_without_a_tracker_is_a_usage_error(tmp_path, db_url, session_factory, capsys):
    jira = FakeJira()
    with serve(jira) as jira_url, serve(FakeLinear()) as linear_url:
        env = env_for(tmp_path, db_url, jira_url, linear_url)
        settings = load_settings(env)
        create_issue(session_factory, make_client(settings, "jira"), workspace_id="default",
                     subject=Subject("theme", "t-1", "Payments"), draft=IssueDraft("Payments", "d", "PAY"), user="U1",
                     now=datetime(2026, 11, 1, tzinfo=UTC))
        jira.resolve("PAY-1", datetime(2026, 11, 2, tzinfo=UTC))
        assert main(["trackers", "poll", "--json"], env) == 0
        assert json.loads(capsys.readouterr().out) == {"refreshed": 1, "resolved": 1, "unlinked": 0, "problems": {}}
        assert main(["trackers", "poll", "--json"], env) == 0  # resolved: nothing left to poll
        assert json.loads(capsys.readouterr().out)["refreshed"] == 0
    bare = {k: v for k, v in env.items() if not k.startswith(("JIRA", "LINEAR"))}
    assert main(["trackers", "poll"], bare) == 2
    assert "no issue tracker is set up" in capsys.readouterr().err


def test_config_check_warns_about_a_half_set_up_tracker(tmp_path, db_url):
    from bot.config_check import config_warnings

    config = tmp_path / "t.toml"
    config.write_text('[trackers]\ndefault = "linear"\n')
    settings = load_settings({"JIRA_URL": "http://jira.local", "JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "x",
                              "DATABASE_URL": db_url}, config_path=str(config))
    found = [w for w in config_warnings(settings) if w.startswith(("trackers", "JIRA"))]
    assert found == ["trackers.default: linear has no credentials: set LINEAR_API_KEY (README: Jira and Linear)",
                     "trackers.jira.project: not set, so every Create issue form needs a project key typed in",
                     "JIRA_URL: not https; Jira Cloud sites are https://<site>.atlassian.net"]


def test_poll_leaves_another_workspaces_links_alone(tmp_path, db_url, session_factory, capsys):
    from bot.storage.tracker_models import TrackerLink

    jira = FakeJira()
    with serve(jira) as jira_url, serve(FakeLinear()) as linear_url:
        env = env_for(tmp_path, db_url, jira_url, linear_url)
        client = make_client(load_settings(env), "jira")
        for workspace in ("default", "T0OTHER"):  # the same key in two workspaces' own Jiras
            create_issue(session_factory, client, workspace_id=workspace, subject=Subject("theme", "t-1", "Payments"),
                         draft=IssueDraft("Payments", "d", "PAY"), user="U1", now=datetime(2026, 11, 1, tzinfo=UTC))
        jira.resolve("PAY-1", datetime(2026, 11, 2, tzinfo=UTC))
        jira.resolve("PAY-2", datetime(2026, 11, 2, tzinfo=UTC))
        before = len(jira.requests)
        assert main(["trackers", "poll", "--json"], env) == 0  # the config file's workspace, its credentials
        assert json.loads(capsys.readouterr().out)["refreshed"] == 1 and len(jira.requests) == before + 1
    with session_factory() as session:
        links = {link.workspace_id: link for link in session.query(TrackerLink)}
    assert links["default"].status_category == "done" and links["default"].last_polled_at is not None
    assert links["T0OTHER"].is_open and links["T0OTHER"].status_category == "todo"  # as created, not polled


def test_poll_with_nothing_due_builds_no_client(tmp_path, db_url, session_factory):
    from bot.trackers.poll import poll_links

    made = []
    settings = load_settings(env_for(tmp_path, db_url, "https://jira.invalid", "https://linear.invalid"))
    report = poll_links(session_factory, settings, make=made.append)
    assert (report.refreshed, report.problems, made) == (0, {}, [])  # no link due: no client, no request
