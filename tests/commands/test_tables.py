"""`signalroom metrics`, `actions` and `themes` read at 80 and 200 columns (issue 13: under 40 lines).

Seeded with the demo's sample (its planted FRT and CSAT stories make flagged rows) and the
real import and rollup, then read through the CLI entry point.
"""
from __future__ import annotations

import importlib.resources
import re
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from bot.cli import main
from bot.commands.themes import all_new, theme_lines
from bot.config import load_settings
from bot.demo.sample import generate
from bot.imports import import_csv_file
from bot.metrics.catalogue import CATALOGUE
from bot.metrics.config_map import rollup_settings
from bot.metrics.rollup import run_rollup
from bot.themes.models import ThemeStatus

AS_OF = date(2026, 11, 20)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def demo_env(tmp_path, db_url, session_factory):
    with importlib.resources.as_file(importlib.resources.files("bot.demo") / "demo.toml") as path:
        config = tmp_path / "signalroom.toml"
        config.write_text(path.read_text())
    settings = load_settings({}, config_path=str(config))
    generate(tmp_path / "sample.csv", as_of=AS_OF, days=60, per_day=80, tz=settings.file.timezone)
    import_csv_file(tmp_path / "sample.csv", session_factory=session_factory, workspace_id=settings.workspace_id,
                    source="csv")
    now_at = datetime.combine(AS_OF, time(8), settings.timezone).astimezone(UTC)
    run_rollup(session_factory, workspace_id=settings.workspace_id, settings=rollup_settings(settings), now_at=now_at,
               full=True, alerts_channel=settings.file.slack.alerts_channel)
    return {"SIGNALROOM_CONFIG": str(config), "DATABASE_URL": db_url}


def run_at(width, argv, env, capsys, monkeypatch) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(width))
    assert main(argv, env=env) == 0
    return capsys.readouterr().out.splitlines()


def test_metrics_fits_80_and_200_columns_in_under_40_lines(demo_env, capsys, monkeypatch):
    for width in (80, 200):
        lines = run_at(width, ["metrics"], demo_env, capsys, monkeypatch)
        assert len(lines) < 40, f"{width} columns: {len(lines)} lines"
        assert max(len(ANSI.sub("", line)) for line in lines) <= width
        text = "\n".join(lines)
        assert lines[0] == "Scorecard for Thursday 2026-11-19 (Europe/Berlin)"
        assert "First response time (median)" in text and "Customer satisfaction" in text
        assert not any(key in text for key in ("first_response_time", "act_now", "csat "))  # labels, not keys
        # A flagged row carries its reason on the lines below it, indented under the metric.
        row = next(i for i, line in enumerate(lines) if line.startswith("act now"))
        assert lines[row + 1].startswith(" " * 9) and "usual" in lines[row + 1] + lines[row + 2]
    assert "healthy (within the usual range); every explanation: --json" in lines[-1]


def test_metrics_by_segment_and_over_a_range(demo_env, capsys, monkeypatch):
    lines = run_at(80, ["metrics", "--by", "product_area"], demo_env, capsys, monkeypatch)
    assert max(len(line) for line in lines) <= 80
    assert "metric · product area" in lines[1] and any("· billing" in line for line in lines)
    lines = run_at(80, ["metrics", "--from", "2026-11-01", "--to", "2026-11-19"], demo_env, capsys, monkeypatch)
    assert lines[0] == "Metrics from 2026-11-01 to 2026-11-19 (Europe/Berlin)"
    assert lines[1].split() == ["metric", "value", "n"]
    volume = next(i for i, line in enumerate(lines) if line.startswith("Ticket volume"))
    assert lines[volume + 1] == "  tickets created in the 19 days"
    assert max(len(line) for line in lines) <= 80


def test_actions_fit_80_columns_with_the_description_below(demo_env, capsys, monkeypatch):
    lines = run_at(80, ["actions"], demo_env, capsys, monkeypatch)
    assert lines[0].startswith("Action log: ") and lines[1].split() == ["#", "status", "due", "owner", "metric"]
    assert max(len(line) for line in lines) <= 80
    row = next(i for i, line in enumerate(lines) if line.endswith("First response time (median)"))
    assert lines[row].split()[1] == "open" and lines[row].split()[3] == "U0DEMOOPS"
    assert lines[row + 1].startswith("   Match staffing to volume 1. Compare scheduled agents with volume by")


def test_theme_rows_fit_80_columns_with_why_notable_below():
    week = SimpleNamespace(count=124, baseline=54.4, change=1.28, notable=True, direction="up")
    themes = [
        SimpleNamespace(id="T0001", name="Payment failed on the new billing page after the v4.2 release", count=987,
                        weeks=(week,), status=ThemeStatus.NEW, first_seen=date(2026, 11, 16),
                        product_area="billing"),
        SimpleNamespace(id="T0002", name="Password reset", count=55, weeks=(), status=ThemeStatus.ONGOING,
                        first_seen=None, product_area=None),
    ]
    lines = theme_lines(themes, width=80)
    assert lines[0].split() == ["id", "theme", "tickets", "last", "wk", "vs", "4-wk", "avg", "area"]
    assert max(len(line) for line in lines) <= 80
    assert lines[2].startswith("T0001  Payment failed") and lines[2].rstrip().endswith("987      124     +128 % !  billing")
    notes = " ".join(line.strip() for line in lines[3:-1])
    assert notes.endswith("new theme, first seen 2026-11-16; notably up: 124 last week against a 4-week average of 54")
    assert lines[-1].split()[:4] == ["T0002", "Password", "reset", "55"]


def test_sixty_long_theme_names_take_one_line_each_at_80_columns():
    """A first run: every theme is new (the command's header says so once), long names are clipped."""
    name = "Customers cannot finish checkout because the card form rejects valid expiry dates ({})"
    themes = [SimpleNamespace(id=f"T{n:04d}", name=name.format(n), count=1000 - n, weeks=(), status=ThemeStatus.NEW,
                              first_seen=date(2026, 9, 21), product_area="billing") for n in range(60)]
    assert all_new(themes) and not all_new(themes[:1] + [SimpleNamespace(status=ThemeStatus.ONGOING)])
    lines = theme_lines(themes, width=80)
    assert len(lines) == 2 + 60 and max(len(line) for line in lines) <= 80
    assert lines[2].startswith("T0000  Customers cannot finish") and "…" in lines[2]
    assert lines[2].split()[-3:] == ["1,000", "0", "billing"]
