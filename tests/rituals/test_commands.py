"""`signalroom agenda | digest | remind [--dry-run | --post] [--json]` and `worker --once`, end to end."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import time_machine

from bot.cli import main
from tests.rituals import factories as f
from tests.rituals.scenario import CONFIG, seed_tickets
from tests.rituals.test_worker import MONDAY

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def env(tmp_path, db_url, slack_url=None):
    path = tmp_path / "signalroom.toml"
    path.write_text(CONFIG)
    out = {"SIGNALROOM_CONFIG": str(path), "DATABASE_URL": db_url}
    if slack_url:
        out |= {"SLACK_BOT_TOKEN": "xoxb-test-not-a-real-token", "SLACK_API_URL": slack_url}
    return out


def seed(session_factory):
    with session_factory.begin() as session:
        f.seed_review_scenario(session, MONDAY)
        seed_tickets(session, MONDAY)


def test_agenda_dry_run_json_and_readable(tmp_path, db_url, session_factory, capsys):
    seed(session_factory)
    with time_machine.travel(NOW, tick=False):
        assert main(["agenda", "--json"], env(tmp_path, db_url)) == 0
        payload = json.loads(capsys.readouterr().out)
        texts = [m["text"] for m in payload["messages"]]
        assert texts[0].startswith("Weekly support review, week of 16 Nov") and payload["messages"][1]["in_thread"]
        assert main(["agenda", "--dry-run", "--charts", str(tmp_path / "charts")], env(tmp_path, db_url)) == 0
        out = capsys.readouterr().out
    assert "== Weekly support review · week of 16 Nov ==" in out and "[Log action]" in out
    assert list((tmp_path / "charts").glob("*.png"))


def test_digest_kinds_and_remind_dry_run(tmp_path, db_url, session_factory, capsys):
    seed(session_factory)
    with time_machine.travel(NOW, tick=False):
        assert main(["digest", "--json"], env(tmp_path, db_url)) == 0
        digest = json.loads(capsys.readouterr().out)["messages"]
        assert [m["channel"] for m in digest] == ["C0BILLING", "C0BILLING"]
        assert main(["digest", "--kind", "all", "--json"], env(tmp_path, db_url)) == 0
        rituals = {m["ritual"] for m in json.loads(capsys.readouterr().out)["messages"]}
        assert rituals >= {"digest", "account_risk", "leadership", "quarterly"}
        assert main(["remind", "--json"], env(tmp_path, db_url)) == 0
        reminders = json.loads(capsys.readouterr().out)["messages"]
    assert {m["channel"] for m in reminders} == {"@U0LEAD", "@U0NYC"}


def test_post_twice_edits_and_worker_once(tmp_path, db_url, session_factory, fake_slack, slack_url, capsys):
    seed(session_factory)
    e = env(tmp_path, db_url, slack_url)
    with time_machine.travel(NOW, tick=False):
        assert main(["agenda", "--post", "--json"], e) == 0
        first = json.loads(capsys.readouterr().out)["results"]
        assert first[0]["outcome"] == "posted"
        assert main(["agenda", "--post"], e) == 0
        assert "weekly_review 2026-W48 → C0REVIEW: unchanged" in capsys.readouterr().out
        assert len(fake_slack.in_channel("C0REVIEW")) == 1
        assert main(["remind", "--post"], e) == 0
        assert main(["remind", "--post"], e) == 0  # still one DM per owner today
        dms = [m for m in fake_slack.messages if m["channel"] == "DU0LEAD" and "follow up" in m["text"]]
        assert len(dms) == 1
        capsys.readouterr()
        assert main(["worker", "--once", "--json"], e) == 0
        results = json.loads(capsys.readouterr().out)["results"]
    assert any(r["ritual"] == "alert" and r["outcome"] == "posted" for r in results)
    assert len(fake_slack.in_channel("C0REVIEW")) == 1


def test_post_without_a_token_is_a_usage_error(tmp_path, db_url, capsys):
    assert main(["agenda", "--post"], env(tmp_path, db_url)) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err
