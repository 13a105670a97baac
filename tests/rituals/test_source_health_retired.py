"""A source removed or disabled while its health alert is open: the alert is edited to say so and closed.

Without this it stayed open forever: the recovery edit only comes for a source that syncs again.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot.rituals import source_health
from bot.storage.health_models import SourceHealth
from bot.sync.health import record_result
from tests.golden import assert_golden
from tests.rituals.test_source_health import alerts, failure, make_settings, make_worker

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def open_alert(session_factory, settings, slack_url, fake_slack, workspace_id="T1", source="zendesk"):
    for minute in range(3):
        record_result(session_factory, workspace_id=workspace_id, source=source, type="zendesk",
                      result=failure(source), now=NOW + timedelta(minutes=minute))
    make_worker(settings, session_factory, slack_url).check_sources()
    (alert,) = alerts(fake_slack)
    return alert


def alert_row(session_factory, workspace_id="T1"):
    with session_factory() as session:
        return session.scalar(select(SourceHealth).where(SourceHealth.workspace_id == workspace_id))


@pytest.mark.parametrize("retired", ["removed", "disabled"])
def test_an_open_alert_is_edited_and_closed_when_its_source_goes(tmp_path, session_factory, fake_slack, slack_url,
                                                                 retired):
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        alert = open_alert(session_factory, make_settings(tmp_path, {}), slack_url, fake_slack)
        path = tmp_path / "signalroom.toml"  # the operator edits the file and restarts the worker
        if retired == "removed":
            path.write_text(path.read_text().split("[sources.zendesk]")[0], encoding="utf-8")
        else:
            path.write_text(path.read_text() + "enabled = false\n", encoding="utf-8")
        from bot.config import load_settings

        worker = make_worker(load_settings({"SIGNALROOM_CONFIG": str(path)}), session_factory, slack_url)
        assert "health" in {job.id for job in worker.job_table()}  # no source left, but an alert to close
        worker.check_sources()
        worker.check_sources()  # closed: nothing more

    (update,) = fake_slack.updates
    assert (update["channel"], update["ts"]) == ("C0ALERTS", alert["ts"])
    assert update["text"] == f"Source zendesk was {retired}: this alert is closed"
    assert len(alerts(fake_slack)) == 1 and len(fake_slack.of("chat.postMessage")) == 1
    row = alert_row(session_factory)
    assert row.alert_period is None and row.alert_ts is None


def test_a_stored_source_removed_from_a_workspace(tmp_path, session_factory, fake_slack, slack_url):
    """`signalroom source remove` (App Home calls the same service) on a workspace other than the file's."""
    from bot.storage import workspaces as store
    from bot.storage.workspace_models import HelpdeskSource
    from bot.workspaces.service import add_workspace, remove_source
    from bot.workspaces.settings import settings_for

    base = make_settings(tmp_path, {}, extra="")
    add_workspace(session_factory, team_id="T2", name=None, timezone="UTC")
    with session_factory.begin() as session:
        for name in ("desk", "other"):
            store.add_source(session, HelpdeskSource(workspace_id="T2", name=name, type="csv", url=f"/tmp/{name}.csv",
                                                     email=None, secret_ciphertext=None, created_by="cli"))
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        alert = open_alert(session_factory, settings_for(session_factory, base, "T2"), slack_url, fake_slack,
                           workspace_id="T2", source="desk")
        remove_source(session_factory, workspace_id="T2", name="desk")
        make_worker(settings_for(session_factory, base, "T2"), session_factory, slack_url).check_sources()

    (update,) = fake_slack.updates
    assert update["ts"] == alert["ts"] and update["text"] == "Source desk was removed: this alert is closed"
    assert alert_row(session_factory, "T2").alert_period is None
    assert alert_row(session_factory, "T1") is None  # no other workspace touched


def test_retired_golden():
    for retired, last in (("removed", datetime(2026, 11, 26, 8, 0, tzinfo=UTC)), ("disabled", None)):
        assert_golden(f"ritual_source_health_{retired}",
                      source_health.render("ritual_source_health_retired", name="zen<desk>", vendor="Zendesk",
                                           retired=retired, last_success_at=last))
