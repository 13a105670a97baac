"""An action's statuses, in one place: the service, working days and reminders, the rituals, the CLI's
`--status` choices and the Slack labels read them from here. Pure, so `--help` imports it cheaply."""
from __future__ import annotations

OPEN, DONE, CARRIED, CLOSED, SNOOZED = "open", "done", "carried", "closed", "snoozed"
STATUSES = (OPEN, DONE, CARRIED, CLOSED, SNOOZED)
OPEN_STATUSES = (OPEN, CARRIED, SNOOZED)  # still to do: listed, reminded, can be overdue
