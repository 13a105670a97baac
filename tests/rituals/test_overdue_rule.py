"""One "overdue" rule: the weekly review's action list and the Slack action rows (App Home, /metrics
list) read it from `workdays.is_overdue`, with the team's working days and snoozes alike."""
from __future__ import annotations

from datetime import date

from bot.actions.workdays import working_days
from bot.rituals import review, store
from bot.slack.present import action_row
from tests.rituals import factories as f
from tests.rituals.scenario import settings as make_settings

TODAY = date(2026, 12, 1)  # a Tuesday, after a Monday holiday
HOLIDAY = '[[annotations]]\ndate = 2026-11-30\nkind = "holiday"\nlabel = "Founders day"\n'


def test_the_review_and_the_action_rows_agree(tmp_path, session_factory):
    settings = make_settings(tmp_path, HOLIDAY)
    cases = {
        "due on the holiday": dict(due_on=date(2026, 11, 30)),  # due Tuesday: not overdue yet
        "due last week": dict(due_on=date(2026, 11, 24)),
        "snoozed on": dict(due_on=date(2026, 11, 24), status="snoozed", snoozed_until=date(2026, 12, 3)),
        "snooze over": dict(due_on=date(2026, 11, 24), status="snoozed", snoozed_until=TODAY),
        "done": dict(due_on=date(2026, 11, 24), status="done"),
    }
    with session_factory.begin() as session:
        for name, kw in cases.items():
            session.add(f.action("csat", "U0OWNER", description=name, **kw))
    with session_factory() as session:
        lines = review.gather(session, settings=settings, today=TODAY, period="2026-W49", with_charts=False).actions
        in_review = {line.description: line.overdue for line in lines}
        rows = {a.description: action_row(a, today=TODAY, working=working_days(settings))["overdue"]
                for a in store.actions(session, workspace_id="default")}
    assert in_review == {name: rows[name] for name in in_review}
    assert {name for name, overdue in rows.items() if overdue} == {"due last week", "snooze over"}
