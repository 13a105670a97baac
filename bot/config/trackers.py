"""The `[trackers]` table of signalroom.toml: which issue tracker the "Create issue" button uses and its defaults.

Credentials never live here: JIRA_URL, JIRA_EMAIL, JIRA_API_TOKEN and LINEAR_API_KEY (LINEAR_URL for proxies
and tests) come from the environment (`bot.config.Environment`). Part of the config package (the file model
reads it; bot.trackers reads the config, never the other way).
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{1,9}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JiraConfig(_Model):
    project: str | None = None  # project key, e.g. "PAY"
    issue_type: str = Field(default="Bug", min_length=1, max_length=60)
    labels: tuple[str, ...] = ("support-signal",)

    @field_validator("project")
    @classmethod
    def _project_key(cls, value: str | None) -> str | None:
        if value is not None and not _PROJECT_KEY.match(value):
            raise ValueError(f"{value!r} is not a Jira project key (capital letters and digits, like PAY)")
        return value

    @field_validator("labels")
    @classmethod
    def _no_spaces(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for label in value:
            if not label or " " in label:
                raise ValueError(f"{label!r}: Jira labels cannot be empty or contain spaces")
        return value


class LinearConfig(_Model):
    team_id: str | None = None  # the team's id (UUID) or key, e.g. "ENG"
    label_ids: tuple[str, ...] = ()  # issue label ids (Linear takes ids, not names)


class TrackersConfig(_Model):
    """`[trackers]`: `default` is the tracker the modal preselects; each tracker table gives its defaults."""

    default: Literal["jira", "linear"] | None = None  # default: the one tracker with credentials
    poll_minutes: int = Field(default=30, ge=5, le=1440)  # how often open linked issues are refreshed
    verdict_after_days: int = Field(default=14, ge=14, le=28)  # judge volume 2-4 weeks after the fix (issue 17)
    jira: JiraConfig = JiraConfig()
    linear: LinearConfig = LinearConfig()
