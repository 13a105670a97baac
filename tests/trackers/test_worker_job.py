"""The worker polls the linked issues on its own job when a tracker is set up (none otherwise)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import load_settings
from bot.rituals.runner import Runner
from bot.rituals.worker import Worker
from bot.storage.tracker_models import TrackerLink
from bot.trackers.clients import make_client
from bot.trackers.links import Subject, create_issue
from integrations.trackers.base import IssueDraft
from tests.fakes.loopback import serve
from tests.trackers.fakes import JIRA_EMAIL, JIRA_TOKEN, FakeJira


def worker(settings, session_factory) -> Worker:
    return Worker(Runner(settings, session_factory, delivery=None))


def test_tracker_job_polls_within_poll_minutes(tmp_path, session_factory):
    config = tmp_path / "signalroom.toml"
    config.write_text('[trackers]\npoll_minutes = 20\n[trackers.jira]\nproject = "PAY"\n')
    jira = FakeJira()
    with serve(jira) as url:
        settings = load_settings({"JIRA_URL": url, "JIRA_EMAIL": JIRA_EMAIL, "JIRA_API_TOKEN": JIRA_TOKEN},
                                 config_path=str(config))
        create_issue(session_factory, make_client(settings, "jira"), workspace_id="default",
                     subject=Subject("theme", "t-1"), draft=IssueDraft("T", "d", "PAY"), user="U1",
                     now=datetime(2026, 11, 1, tzinfo=UTC))
        jira.resolve("PAY-1", datetime(2026, 11, 2, tzinfo=UTC))
        (job,) = [j for j in worker(settings, session_factory).job_table() if j.id == "trackers"]
        assert job.every == timedelta(minutes=20)
        job.func.inner()
    with session_factory() as session:
        (link,) = session.query(TrackerLink).all()
        assert (link.status_category, link.is_open) == ("done", False)


def test_no_tracker_job_without_credentials(tmp_path, session_factory):
    settings = load_settings({}, config_path=str(_empty(tmp_path)))
    assert "trackers" not in {j.id for j in worker(settings, session_factory).job_table()}


def _empty(tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text("")
    return path
