"""The README's list of rituals ("Rituals and the worker") is the registry's table: every ritual in
`bot/rituals/registry.py` has a row there, and every row names a ritual of the table (or the worker's own
`alerts` job, which posts the trigger alerts)."""
from __future__ import annotations

import re
from pathlib import Path

from bot.rituals.registry import RITUALS

README = Path(__file__).resolve().parents[2] / "README.md"
NOT_IN_THE_TABLE = {"alerts"}  # trigger alerts: the worker's `alerts` job after every refresh (bot/rituals/alerts.py)


def documented_keys(text: str) -> list[str]:
    """The `key` cell of each row of the table under "## Rituals and the worker"."""
    section = text.split("## Rituals and the worker", 1)[1]
    rows = re.search(r"^\| ritual \| key \|.*\n\|[-|]+\|\n((?:\|.*\n)+)", section, re.M)
    assert rows, "README: the rituals table (| ritual | key | … |) is missing"
    return [re.fullmatch(r"`([a-z_]+)`", line.split(" | ")[1]).group(1) for line in rows.group(1).splitlines()]


def test_every_registry_ritual_has_a_row_in_the_readme_and_every_row_is_one():
    keys = documented_keys(README.read_text(encoding="utf-8"))
    assert len(keys) == len(set(keys))
    assert set(keys) == set(RITUALS) | NOT_IN_THE_TABLE


def test_a_ritual_left_out_of_the_readme_is_caught():
    text = README.read_text(encoding="utf-8")
    assert "spikes" not in documented_keys(re.sub(r"^\| surge alerts \|.*\n", "", text, flags=re.M))
