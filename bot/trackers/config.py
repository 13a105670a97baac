"""The `[trackers]` table's models, defined in the config package (bot/config/trackers.py) and re-exported here."""
from __future__ import annotations

from bot.config.trackers import JiraConfig, LinearConfig, TrackersConfig

__all__ = ["JiraConfig", "LinearConfig", "TrackersConfig"]
