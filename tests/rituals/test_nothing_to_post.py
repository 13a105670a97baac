"""'Nothing to post' says why, and when the ritual (or the next reminder) comes round."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import time_machine

from bot.actions.service import open_action
from bot.cli import main
from bot.rituals.cli import next_reminder_day

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday, 10:00 in Berlin
TODAY = date(2026, 11, 25)
CONFIG = """
timezone = "Europe/Berlin"
workspace_id = "w1"
[slack]
review_channel = "C0REVIEW"
[product_areas]
billing = ["billing"]
[[routing]]
product_area = "billing"
channel = "C0BILLING"
"""


def action(id, due_on, status="open", snoozed_until=None):
    return SimpleNamespace(id=id, due_on=due_on, status=status, snoozed_until=snoozed_until, owner="U0LEAD")


@pytest.mark.parametrize("actions, days_before, skip_weekends, expected", [
    ([action(1, date(2026, 11, 27))], 1, True, (date(2026, 11, 26), 1)),  # the day before it is due
    ([action(1, date(2026, 11, 26))], 1, True, (date(2026, 11, 26), 1)),  # reminded today already: its due day
    ([action(1, date(2026, 11, 27))], 0, True, (date(2026, 11, 27), 1)),  # no early reminder
    ([action(1, date(2026, 11, 20))], 1, True, (date(2026, 11, 26), 1)),  # overdue: every day
    ([action(1, date(2026, 11, 20), "snoozed", date(2026, 12, 1))], 1, True, (date(2026, 12, 1), 1)),
    ([action(1, date(2026, 11, 29))], 1, True, (date(2026, 11, 27), 1)),  # due Sunday = Monday: Friday's reminder
    ([action(1, date(2026, 11, 29))], 1, False, (date(2026, 11, 28), 1)),
    ([action(1, date(2026, 12, 9)), action(2, date(2026, 12, 2))], 1, True, (date(2026, 12, 1), 2)),  # earliest
    ([action(1, date(2026, 11, 27), "done"), action(2, None)], 1, True, None),  # done, no due date: never
])
def test_next_reminder_day(actions, days_before, skip_weekends, expected):
    found = next_reminder_day(actions, today=TODAY, days_before=days_before, skip_weekends=skip_weekends)
    assert (found and (found[0], found[1].id)) == expected


@pytest.fixture
def env(tmp_path, db_url):
    path = tmp_path / "signalroom.toml"
    path.write_text(CONFIG)
    return {"SIGNALROOM_CONFIG": str(path), "DATABASE_URL": db_url}


def test_empty_rituals_say_why_and_when_they_next_run(env, capsys):
    with time_machine.travel(NOW, tick=False):
        assert main(["digest", "--kind", "leadership"], env) == 0
        leadership = capsys.readouterr().out.strip()
        assert main(["digest"], env) == 0
        digest = capsys.readouterr().out.strip()
        assert main(["digest", "--kind", "accounts", "--json"], env) == 0
        accounts = json.loads(capsys.readouterr().out)
    assert leadership == (
        "nothing to post for the leadership summary: no channel set ([slack] leadership_channel or "
        "[rituals.leadership] channel); the worker does not run it ([rituals.leadership] enabled = false)")
    assert digest == (
        "nothing to post for the product digests: no product area had a notable week (a [[routing]] rule with "
        "only_when_notable = true skips a quiet week); next scheduled Monday 2026-11-30 10:00 (Europe/Berlin)")
    assert accounts["messages"] == []
    assert accounts["nothing_to_post"] == [{
        "ritual": "account_risk", "reason": "no channel set ([slack] cs_channel or [rituals.account_risk] channel)",
        "next": "next scheduled Monday 2026-11-30 09:00 (Europe/Berlin)"}]


def test_no_reminder_today_names_the_next_one(env, session_factory, capsys):
    with time_machine.travel(NOW, tick=False):
        assert main(["remind"], env) == 0
        assert capsys.readouterr().out.strip() == (
            "nothing to post for the reminders: no open, carried or snoozed actions; "
            "no reminder is coming: no open action has a due date")
        with session_factory.begin() as session:
            open_action(session, workspace_id="w1", metric="csat", description="read the unhappy tickets",
                        owner="U0LEAD", created_by="U0LEAD", due_on=date(2026, 12, 4))
        assert main(["remind"], env) == 0
        out = capsys.readouterr().out.strip()
    assert out.startswith("nothing to post for the reminders: no action is overdue, due today or 1 day(s) before")
    assert out.endswith("next reminder Thursday 2026-12-03 (action #1, due 2026-12-04, owner U0LEAD)")


def test_worker_once_with_nothing_due_lists_what_comes_next(env, slack_url, capsys):
    env = env | {"SLACK_BOT_TOKEN": "xoxb-test-not-a-real-token", "SLACK_API_URL": slack_url}
    with time_machine.travel(NOW, tick=False):
        assert main(["worker", "--once"], env) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "nothing to post for the weekly review: not due now; next scheduled Monday 2026-11-30 09:30 " \
           "(Europe/Berlin)" in lines
    assert "nothing to post for the reminders: not due now; next scheduled Thursday 2026-11-26 09:00 " \
           "(Europe/Berlin)" in lines
    assert not any("leadership" in line for line in lines)  # not scheduled: not listed
