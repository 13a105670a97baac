"""`signalroom actions --json` carries the verdict on each done action: the one engine's, the same the weekly
review, the action card and /metrics log show (issue 12.1/12.4)."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.actions.service import complete_action, open_action
from bot.cli import main
from bot.config import load_settings
from bot.rituals.verdict import action_verdict, plain


def test_actions_json_has_the_engines_verdict(tmp_path, db_url, session_factory, capsys):
    config = tmp_path / "signalroom.toml"
    config.write_text('timezone = "Europe/Berlin"\n')
    settings = load_settings({}, config_path=str(config))
    with session_factory.begin() as session:
        done = open_action(session, workspace_id=settings.workspace_id, metric="csat", description="Refund macro",
                           owner="U0OWNER", created_by="U0OWNER", due_on=date(2026, 11, 27))
        complete_action(session, workspace_id=settings.workspace_id, action_id=done.id, actor="U0OWNER",
                        is_admin=False, outcome="Refunds faster", outcome_class="improved")
        still_open = open_action(session, workspace_id=settings.workspace_id, metric="csat", description="Later",
                                 owner="U0OWNER", created_by="U0OWNER", due_on=date(2026, 11, 27))
        done_id, open_id = done.id, still_open.id
    assert main(["actions", "--json"], env={"SIGNALROOM_CONFIG": str(config), "DATABASE_URL": db_url}) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)["actions"]}
    with session_factory() as session:
        from bot.actions.service import get_action

        expected = action_verdict(session, settings=settings, action=get_action(
            session, workspace_id=settings.workspace_id, action_id=done_id), today=datetime.now(UTC).date())
    assert rows[done_id]["verdict"] == expected.label == "too_early"  # the engine's, not the owner's "improved"
    assert rows[done_id]["verdict_words"] == "too early to tell"
    assert rows[done_id]["verdict_explanation"] == plain(expected.explanation)
    assert rows[done_id]["outcome_class"] == "improved"  # the owner's own word stays beside it
    assert rows[open_id]["verdict"] is None
    # The table says it too.
    assert main(["actions"], env={"SIGNALROOM_CONFIG": str(config), "DATABASE_URL": db_url}) == 0
    assert "Verdict: too early to tell" in " ".join(capsys.readouterr().out.split())
