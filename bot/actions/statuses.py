"""An action's statuses, in one place: the service, working days and reminders, the rituals, the CLI's
`--status` choices and the Slack labels read them from here. Pure, so `--help` imports it cheaply."""
from __future__ import annotations

STATUSES = ("open", "done", "carried", "closed", "snoozed")
OPEN_STATUSES = ("open", "carried", "snoozed")  # still to do: listed, reminded, can be overdue
