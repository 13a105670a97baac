"""Agent-initiated (outbound) conversations stay out of volume and response metrics unless asked for."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.metrics.reads import metric_series
from bot.metrics.rollup import run_rollup
from bot.metrics.settings import DefinitionSettings, RollupSettings
from bot.storage.tickets import upsert_tickets
from integrations.base import Ticket

UTC = timezone.utc
END = datetime(2024, 6, 1, 6, 0, tzinfo=UTC)
DAY = datetime(2024, 5, 30, 10, 0, tzinfo=UTC)
SETTINGS = RollupSettings(timezone="UTC")


def _ticket(external_id: str, *, outbound: bool, frt: timedelta) -> Ticket:
    return Ticket(source="intercom", external_id=external_id, status="solved", created_at=DAY, updated_at=DAY + frt,
                  first_response_at=DAY + frt, solved_at=DAY + frt, first_response=frt, resolution=frt,
                  outbound=outbound, group="7")


def _day_values(session_factory, settings, metric):
    run_rollup(session_factory, workspace_id="w1", settings=settings, now_at=END, full=True)
    with session_factory.begin() as s:
        return {p.day: p.value for p in metric_series(s, workspace_id="w1", metric=metric)}


@pytest.fixture
def mixed(session_factory):
    tickets = [_ticket(f"in{i}", outbound=False, frt=timedelta(hours=2)) for i in range(3)]
    # An admin's announcement "solved" the moment it went out: 0-second figures that would drag every median down.
    tickets += [_ticket(f"out{i}", outbound=True, frt=timedelta(0)) for i in range(5)]
    with session_factory.begin() as s:
        upsert_tickets(s, workspace_id="w1", tickets=tickets)
    return session_factory


def test_outbound_left_out_by_default(mixed):
    assert _day_values(mixed, SETTINGS, "ticket_volume")[date(2024, 5, 30)] == 3
    assert _day_values(mixed, SETTINGS, "first_response_time")[date(2024, 5, 30)] == 7200


def test_outbound_counted_when_configured(mixed):
    settings = dataclasses.replace(SETTINGS, definitions=DefinitionSettings(include_outbound=True))
    assert _day_values(mixed, settings, "ticket_volume")[date(2024, 5, 30)] == 8


def test_include_outbound_from_the_config_file(tmp_path):
    from bot.config import load_settings
    from bot.metrics.config_map import rollup_settings

    path = tmp_path / "signalroom.toml"
    path.write_text("[metrics]\ninclude_outbound = true\n")
    assert rollup_settings(load_settings({}, config_path=str(path))).definitions.include_outbound is True
    path.write_text("")
    assert rollup_settings(load_settings({}, config_path=str(path))).definitions.include_outbound is False


def test_include_outbound_must_be_a_boolean(tmp_path):
    from bot.config import ConfigError, load_settings

    path = tmp_path / "signalroom.toml"
    path.write_text('[metrics]\ninclude_outbound = "sometimes"\n')
    with pytest.raises(ConfigError) as error:
        load_settings({}, config_path=str(path))
    assert error.value.key == "metrics.include_outbound"
