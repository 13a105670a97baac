"""The worker checks hourly and syncs HubSpot once a day from [crm] sync_hour; no job without a token."""
from __future__ import annotations

from datetime import UTC, datetime

from bot.config import load_settings
from bot.rituals.runner import Runner
from bot.rituals.worker import Worker
from bot.storage.crm_models import CrmCompany
from tests.crm.fakes import TOKEN, FakeHubSpot
from tests.fakes.loopback import serve


def _settings(tmp_path, env):
    config = tmp_path / "signalroom.toml"
    config.write_text('timezone = "UTC"\n[crm]\nsync_hour = 4\n')
    return load_settings(env, config_path=str(config))


def test_crm_job_syncs_once_a_day(tmp_path, session_factory):
    fake = FakeHubSpot()
    fake.company("1", name="Acme", domain="acme.com", annualrevenue="5")
    with serve(fake) as url:
        settings = _settings(tmp_path, {"HUBSPOT_URL": url, "HUBSPOT_TOKEN": TOKEN})
        clock = [datetime(2026, 11, 20, 5, tzinfo=UTC)]
        worker = Worker(Runner(settings, session_factory, delivery=None), clock=lambda: clock[0])
        (job,) = [j for j in worker.job_table() if j.id == "crm"]
        job.func.inner()
        first = len(fake.requests)
        clock[0] = datetime(2026, 11, 20, 23, tzinfo=UTC)
        job.func.inner()  # already synced today
        assert len(fake.requests) == first > 0
        clock[0] = datetime(2026, 11, 21, 4, 5, tzinfo=UTC)
        job.func.inner()
        assert len(fake.requests) > first
    with session_factory() as session:
        assert session.query(CrmCompany).count() == 1


def test_no_crm_job_without_a_token(tmp_path, session_factory):
    settings = _settings(tmp_path, {})
    assert "crm" not in {j.id for j in Worker(Runner(settings, session_factory, delivery=None)).job_table()}
