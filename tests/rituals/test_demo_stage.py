from datetime import date

from rich.console import Console

from bot.demo import run as demo_run
from bot.rituals.demo import demo_stage


def test_demo_weekly_cycle(tmp_path, monkeypatch):
    # The lead wires demo_stage into STAGES after the metrics stage; here we append it for this run only.
    stages = [s for s in demo_run.STAGES if s[1] is not demo_stage] + [("weekly cycle", demo_stage)]
    monkeypatch.setattr(demo_run, "STAGES", stages)
    demo = demo_run.run_demo(out=tmp_path, as_of=date(2026, 11, 23), env={}, console=Console(quiet=True),
                             days=60, per_day=60)
    names = [name for name, _channel, _message in demo.messages]
    assert "ritual_review" in names and "ritual_review_moved" in names and "ritual_review_did" in names
    assert "ritual_accounts" in names
    assert names.index("ritual_review") < names.index("ritual_review_moved")
    assert list(tmp_path.glob("chart-*.png"))
    assert any(note.startswith("weekly cycle:") for note in demo.notes)


def test_demo_review_shows_one_fix_that_worked_and_one_usual_recovery(tmp_path):
    """The story's staffing gap ended by an action reads improved; the release note recovered as usual."""
    import json

    demo = demo_run.run_demo(out=tmp_path, as_of=date(2026, 11, 27), env={}, console=Console(quiet=True))  # as shipped
    needle = next(m for name, _c, m in demo.messages if name == "ritual_review_needle")
    items = [b["text"]["text"] for b in needle.blocks[1:]]
    assert len(items) == 2, json.dumps(needle.payload(), indent=1)
    fix = next(t for t in items if "Move two agents" in t)
    note = next(t for t in items if "known-issues note" in t)
    assert "*improved*" in fix and "usually takes" in fix
    assert "*recovered as usual*" in note
    # The planted trigger carries the day's reading, as a fired one does: its card says what it started from.
    from sqlalchemy import select

    from bot.metrics.readings import trigger_reading
    from bot.slack.outcomes import card
    from bot.storage.models import Action, TriggerRow

    with demo.session_factory() as session:
        action = session.scalar(select(Action).where(Action.description.like("Move two agents%")))
        trigger = session.get(TriggerRow, action.trigger_id)
        assert trigger_reading(trigger).value is not None
        text = json.dumps(card(session, settings=demo.settings, action=action, today=date(2026, 11, 27)).payload())
    assert "n/a" not in text and "*improved*" in text

