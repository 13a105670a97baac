"""An action's statuses and its history's event kinds, in one place: the service, clicks, working days and
reminders, the rituals, the CLI's `--status` choices and the Slack labels read them from here. Pure, so
`--help` imports it cheaply."""
from __future__ import annotations

OPEN, DONE, CARRIED, CLOSED, SNOOZED = "open", "done", "carried", "closed", "snoozed"
STATUSES = (OPEN, DONE, CARRIED, CLOSED, SNOOZED)
OPEN_STATUSES = (OPEN, CARRIED, SNOOZED)  # still to do: listed, reminded, can be overdue

# The kinds of the action log's history events (`ActionEvent.kind`): a change of status is named by the status
# it sets (done, carried, snoozed, closed); the others below.
CREATED, UPDATED, NOTE, ACKNOWLEDGED = "created", "updated", "note", "acknowledged"
# The kinds that set what a message shows about an action ("Done by … · Fri 27 Nov").
STATE_KINDS = (DONE, CARRIED, SNOOZED, CLOSED, ACKNOWLEDGED)
