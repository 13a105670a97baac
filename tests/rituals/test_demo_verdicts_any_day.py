"""The demo's two planted verdicts do not depend on the day `make demo` runs (issue 12).

`make demo` builds its sample ending at today's date, so the release week and the staffing gap fall on a
different weekday each day it is run. On every day of a week the review must read the action that ended
the staffing gap as *improved* and the release-week known-issues note as *recovered as usual*. Three days
spread over the week run with the suite; the rest of the week is the slow sweep, run when asked for
(`pytest -m slow tests/rituals/test_demo_verdicts_any_day.py`): ~23 s a day (240 days of sample).
"""
from __future__ import annotations

from datetime import date

import pytest
from rich.console import Console
from sqlalchemy import select

from bot.demo import run as demo_run
from bot.rituals.demo import plant_completed_actions
from bot.rituals.verdict import action_verdict
from bot.storage.models import Action, TriggerRow

QUICK = (date(2026, 11, 23), date(2026, 11, 25), date(2026, 11, 28))
SWEEP = (date(2026, 11, 24), date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 29))
DAYS = [*QUICK, *(pytest.param(d, marks=pytest.mark.slow, id=d.isoformat()) for d in SWEEP)]


def planted_verdicts(out, as_of: date) -> dict[str, object]:
    """The demo as shipped up to its rollup, its two completed actions planted, judged as the review on
    `as_of` judges them: {description prefix: ActionVerdict}."""
    judged: dict[str, object] = {}

    def judge(demo) -> None:
        plant_completed_actions(demo)
        with demo.session_factory() as session:
            for action in session.scalars(select(Action).where(Action.status == "done")):
                trigger = session.get(TriggerRow, action.trigger_id) if action.trigger_id else None
                judged[action.description] = action_verdict(session, settings=demo.settings, action=action,
                                                             trigger=trigger, today=as_of)

    stages = [*demo_run.STAGES[:2], ("planted verdicts", judge)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_run, "STAGES", stages)
        demo_run.run_demo(out=out, as_of=as_of, env={}, console=Console(quiet=True))  # the demo as shipped
    return judged


@pytest.mark.parametrize("as_of", DAYS, ids=str)
def test_planted_verdicts_hold_whatever_day_the_demo_runs(request, tmp_path, as_of):
    if as_of in SWEEP and "slow" not in request.config.getoption("markexpr"):
        pytest.skip("the rest of the week's sweep: pytest -m slow")
    judged = planted_verdicts(tmp_path, as_of)
    assert len(judged) == 2, judged
    fix = next(v for d, v in judged.items() if d.startswith("Move two agents"))
    note = next(v for d, v in judged.items() if "known-issues note" in d)
    assert fix.label == "improved", (fix.explanation, fix.verdict)
    assert note.label == "recovered_as_usual", (note.explanation, note.verdict)
