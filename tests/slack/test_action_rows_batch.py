"""`/metrics log`, `/metrics actions` and App Home draw their rows in one batch (`present.action_rows`,
`present.log_entries`): the actions' triggers and segment names are read once for the list, so the SQL
statements do not grow with the number of rows, and each row is the one drawing that action alone gives."""
from __future__ import annotations

from bot.actions.service import decision_log
from bot.rituals import store
from bot.slack import outcomes
from bot.slack.present import action_row, action_rows, log_entries, log_entry
from tests.rituals.test_verdict_batch import TODAY, WS, clear, counted, seed, settings


def statements(tmp_path, session_factory, engine, n: int) -> dict[str, int]:
    clear(session_factory)
    seed(session_factory, n)  # n groups, each with a trigger (but one) and a done action
    s = settings(tmp_path)
    out = {}
    with session_factory() as session:
        done = store.actions(session, workspace_id=WS)
        rows, out["actions"] = counted(engine, lambda: action_rows(done, today=TODAY))
        assert len(rows) == n and sum(r["opened_reading"] is not None for r in rows) == n - 1
    with session_factory() as session:
        def log():  # as `/metrics log` does: the log, its verdicts, its entries
            logged = decision_log(session, workspace_id=WS, limit=50)
            judged = outcomes.verdicts(session, settings=s, workspace_id=WS, actions=[a for a, _ in logged],
                                       triggers={t.id: t for _, t in logged if t is not None}, today=TODAY)
            return log_entries(logged, verdicts=judged)

        entries, out["log"] = counted(engine, log)
        assert len(entries) == n and all(e["segment"].startswith("group=Team ") for e in entries)
    return out


def test_statements_do_not_grow_with_the_number_of_rows(tmp_path, session_factory, engine):
    few = statements(tmp_path, session_factory, engine, 2)
    many = statements(tmp_path, session_factory, engine, 12)
    assert many == few


def test_each_row_of_a_batch_is_the_one_drawing_the_action_alone_gives(tmp_path, session_factory):
    seed(session_factory, 5)
    with session_factory() as session:
        done = store.actions(session, workspace_id=WS)
        assert action_rows(done, today=TODAY) == [action_row(a, today=TODAY) for a in done]
        logged = decision_log(session, workspace_id=WS, limit=50)
        assert log_entries(logged, verdicts={}) == [log_entry(a, t) for a, t in logged]
        assert {e["trigger"] is None for e in log_entries(logged, verdicts={})} == {True, False}
