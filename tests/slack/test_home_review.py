"""App Home's "next weekly review" is the worker's next occurrence (`schedule.next_occurrence`), not a second rule."""
from __future__ import annotations

from datetime import UTC, datetime

from bot.config import load_settings
from bot.rituals import schedule
from bot.rituals.registry import next_review, schedules_from_config


def _settings(tmp_path, text: str):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "Europe/Berlin"\n' + text)
    return load_settings({}, config_path=str(path))


def test_next_review_is_the_workers_next_occurrence(tmp_path):
    settings = _settings(tmp_path, '[rituals.weekly_review]\nday = "tue"\ntime = 09:30:00\n')
    sunday = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)  # the day Berlin moves to summer time
    assert next_review(settings, sunday) == datetime(2026, 3, 31, 7, 30, tzinfo=UTC)
    tuesday_after = datetime(2026, 3, 31, 7, 30, tzinfo=UTC)
    assert next_review(settings, tuesday_after) == datetime(2026, 4, 7, 7, 30, tzinfo=UTC)
    worker = schedules_from_config(settings.file.rituals, settings.file.timezone)["weekly_review"]
    assert next_review(settings, sunday) == schedule.next_occurrence(worker, sunday)[1]


def test_no_next_review_when_it_is_switched_off(tmp_path):
    settings = _settings(tmp_path, "[rituals.weekly_review]\nenabled = false\n")
    assert next_review(settings, datetime(2026, 3, 29, 12, 0, tzinfo=UTC)) is None
