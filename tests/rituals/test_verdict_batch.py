"""The leadership summary, the quarterly review and the Slack card/log verdicts judge their actions in one
batch (`bot.rituals.verdict.action_verdicts`): the SQL statements they run do not grow with the number of
actions, and each verdict is the one judging that action alone gives."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, event

from bot.config import load_settings
from bot.rituals import leadership, quarterly, store
from bot.rituals.verdict import action_verdict, tally
from bot.slack import outcomes
from bot.storage.models import Action, DailyMetric, TriggerRow
from bot.storage.reference_models import ReferenceEntity
from tests.rituals.factories import WS, action, at, metric_days, trigger

TODAY = date(2026, 10, 5)  # leadership: September 2026; quarterly: July to September 2026
START = date(2026, 6, 1)
DIP = (date(2026, 9, 1), date(2026, 9, 6))


def settings(tmp_path):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "Europe/Berlin"\n[slack]\nreview_channel = "C0REVIEW"\nleadership_channel = "C0LEAD"\n'
                    '[[rules]]\nname = "csat-low"\nmetric = "csat"\n', encoding="utf-8")
    return load_settings({}, config_path=str(path))


def seed(session_factory, n: int) -> None:
    """`n` groups, each with a CSAT dip in early September, its trigger and a done action (most worked; one
    manual action without a trigger), and the group's name from the helpdesk."""
    days = (TODAY - START).days
    with session_factory.begin() as session:
        session.add_all(metric_days("csat", START, [0.9] * days, expected=0.9, spread=0.02, direction=-1))
        for i in range(n):
            group = f"10{i}"
            session.add(ReferenceEntity(workspace_id=WS, source="csv", kind="group", external_id=group,
                                        name=f"Team {i}"))
            values = [0.8 if DIP[0] <= START + timedelta(days=d) <= DIP[1] else 0.9 - (i % 3) * 0.05 * (d > 100)
                      for d in range(days)]
            session.add_all(metric_days("csat", START, values, expected=0.9, spread=0.02, direction=-1,
                                        dimension="group", segment=group))
            fired = trigger("csat-low", "csat", DIP[0] + timedelta(days=1), dimension="group", segment=group,
                            evidence={"value": 0.8, "expected": 0.9, "since": DIP[0].isoformat()})
            session.add(fired)
            session.flush()
            session.add(action("csat", "U0OWNER", due_on=DIP[1], status="done", dimension="group", segment=group,
                               trigger_id=fired.id if i else None, created_at=at(DIP[0] + timedelta(days=1)),
                               closed_at=at(DIP[1] + timedelta(days=i % 4)), outcome="Fixed the macro"))


def counted(engine, work: Callable[[], Any]) -> tuple[Any, int]:
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        return work(), len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def clear(session_factory) -> None:
    with session_factory.begin() as session:
        for model in (Action, TriggerRow, DailyMetric, ReferenceEntity):
            session.execute(delete(model))


def statements(tmp_path, session_factory, engine, n: int) -> dict[str, int]:
    """The SQL statements each path runs over `n` done actions."""
    clear(session_factory)
    seed(session_factory, n)
    s = settings(tmp_path)
    out = {}
    with session_factory() as session:
        summary, out["leadership"] = counted(engine, lambda: leadership.gather(session, settings=s, today=TODAY))
        assert sum(count for _, count in summary.outcomes) == n  # every action was judged
    with session_factory() as session:
        review, out["quarterly"] = counted(engine, lambda: quarterly.gather(session, settings=s, today=TODAY))
        assert sum(count for line in review.rules for _, count in line.outcomes) == n - 1  # all but the manual one
    with session_factory() as session:
        done = store.actions(session, workspace_id=WS, statuses=("done",))
        judged, out["slack"] = counted(engine, lambda: outcomes.verdicts(session, settings=s, workspace_id=WS,
                                                                         actions=done, today=TODAY))
        assert len(judged) == n and all(v is not None for v in judged.values())
    return out


def test_statements_do_not_grow_with_the_number_of_actions(tmp_path, session_factory, engine):
    few = statements(tmp_path, session_factory, engine, 2)
    many = statements(tmp_path, session_factory, engine, 12)
    assert many == few


def test_each_verdict_of_a_batch_is_the_one_judging_the_action_alone_gives(tmp_path, session_factory):
    seed(session_factory, 6)
    s = settings(tmp_path)
    with session_factory() as session:
        done = store.actions(session, workspace_id=WS, statuses=("done",))
        triggers = {t.id: t for t in store.triggers(session, workspace_id=WS)}
        alone = {a.id: action_verdict(session, settings=s, action=a, trigger=triggers.get(a.trigger_id), today=TODAY)
                 for a in done}
        batch = outcomes.verdicts(session, settings=s, workspace_id=WS, actions=done, today=TODAY)
        assert batch == alone
        assert len({v.label for v in alone.values()}) > 1  # the groups recover differently
        assert leadership.gather(session, settings=s, today=TODAY).outcomes == tally(v.label for v in alone.values())
        rules = {line.rule: line.outcomes for line in quarterly.gather(session, settings=s, today=TODAY).rules}
        assert rules["csat-low"] == tally(v.label for a_id, v in alone.items() if triggers.get(
            next(a.trigger_id for a in done if a.id == a_id)))
