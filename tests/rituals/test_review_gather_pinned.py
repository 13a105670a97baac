"""`review.gather` on a rich scenario, pinned whole (tests/golden/review_gather.json), and its query count.

The scenario: seed_review_scenario (moved overall and segment items, a done action with a clear verdict, an
overdue and a later one), plus clicks that leave state lines (a carry, a close), a snoozed action, done actions
with and without a trigger (one too early to judge, one on an organization named by reference data, one on an
unknown metric, one done too long ago to show). Refactoring gather must leave the output identical
(SIGNALROOM_UPDATE_GOLDEN=1 rewrites it after an intended change). The query count must not grow with the
number of actions: "What we did" and "Did it move the needle" read all actions' history and readings at once.
"""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event, select, update

from bot.actions.clicks import click
from bot.rituals import review
from bot.storage.models import ActionEvent, TriggerRow
from bot.storage.reference_models import ReferenceEntity
from tests.golden import assert_golden
from tests.rituals import factories as f
from tests.rituals.test_review import TODAY, settings


def plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {fl.name: plain(getattr(value, fl.name)) for fl in dataclasses.fields(value) if fl.name != "png"}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return len(value) > 0
    return value


def _extra_actions(session, ids: dict, n: int) -> None:
    """`n` done actions (every other one from the billing trigger, half on named organizations) and `n` open ones
    carried or closed by a click."""
    start = TODAY - timedelta(days=84)
    for i in range(n):
        segment = {"dimension": "organization", "segment": f"org{i % 3}"} if i % 2 else {}
        session.add(f.action("csat" if i % 2 else "reopen_rate", "U0OPS", due_on=TODAY - timedelta(days=9),
                             status="done", description=f"Done thing {i}",
                             trigger_id={0: ids["old_trigger"], 1: ids["billing_trigger"]}.get(i % 4),
                             created_at=f.at(start + timedelta(days=40 + i % 5)),
                             closed_at=f.at(TODAY - timedelta(days=2 + 3 * (i % 6))), **segment))
        session.add(f.action("first_response_time", "U0NYC", due_on=TODAY + timedelta(days=i % 4),
                             description=f"Open thing {i}", created_at=f.at(TODAY - timedelta(days=4)),
                             dimension="organization", segment=f"org{i % 3}"))


def seed(session_factory, n: int = 4) -> dict:
    with session_factory.begin() as session:
        ids = f.seed_review_scenario(session, TODAY)
        session.add_all([ReferenceEntity(workspace_id="default", source="csv", kind="organization",
                                         external_id=f"org{i}", name=f"Org & Co {i}") for i in range(2)])
        _extra_actions(session, ids, n)
        session.add(f.action("ticket_volume", "U0OPS", due_on=TODAY - timedelta(days=1), status="snoozed",
                             description="Snoozed thing", snoozed_until=TODAY + timedelta(days=3)))
        session.add(f.action("no_such_metric", "U0OPS", due_on=None, status="done", description="Unknown metric",
                             closed_at=f.at(TODAY - timedelta(days=3))))
        session.add(f.action("reopen_rate", "U0OPS", due_on=None, status="done", description="Long ago",
                             closed_at=f.at(TODAY - timedelta(days=70))))
    with session_factory.begin() as session:
        click(session, workspace_id="default", action_id=ids["overdue"], verb="carry", actor="U0LEAD",
              is_admin=False, today=TODAY)
        click(session, workspace_id="default", action_id=ids["later"], verb="close", actor="U0ADMIN",
              is_admin=True, today=TODAY)
        session.execute(update(ActionEvent).values(at=f.at(TODAY, 9)))
    return ids


def test_gather_on_a_rich_scenario_is_pinned(tmp_path, session_factory):
    seed(session_factory)
    with session_factory() as session:
        r = review.gather(session, settings=settings(tmp_path), today=TODAY, period="2026-W48")
    assert r.needle and r.actions and r.moved and r.charts  # the scenario exercises every part
    assert_golden("review_gather", plain(r))


def _statements(tmp_path, session_factory, engine) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with session_factory() as session:
            r = review.gather(session, settings=settings(tmp_path), today=TODAY, period="2026-W48", with_charts=False)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.needle
    return len(seen)


def test_queries_do_not_grow_with_the_number_of_actions(tmp_path, session_factory, engine):
    seed(session_factory, n=2)
    few = _statements(tmp_path, session_factory, engine)
    with session_factory.begin() as session:
        ids = {key: session.scalar(select(TriggerRow.id).where(TriggerRow.rule == rule))
               for key, rule in (("billing_trigger", "csat-drop"), ("old_trigger", "reopen-spike"))}
        _extra_actions(session, ids, 18)
    many = _statements(tmp_path, session_factory, engine)
    assert many == few


def test_queries_do_not_grow_with_the_number_of_segment_triggers(tmp_path, session_factory, engine):
    """Where an item concentrates weighs each segment trigger of the week on its own day's segments, and each
    segment item has its segment's days: all of them read at once."""
    seed(session_factory)
    with session_factory.begin() as session:
        session.add(f.trigger("reopen-spike", "reopen_rate", TODAY - timedelta(days=2), dimension="product_area",
                              segment="billing"))
    few = _statements(tmp_path, session_factory, engine)
    with session_factory.begin() as session:
        for days_ago, segment in ((2, "login"), (3, "login"), (4, "billing")):
            for rule, metric in (("csat-drop", "csat"), ("reopen-spike", "reopen_rate")):
                session.add(f.trigger(rule, metric, TODAY - timedelta(days=days_ago), dimension="product_area",
                                      segment=segment, zone="watch"))
    assert _statements(tmp_path, session_factory, engine) == few
