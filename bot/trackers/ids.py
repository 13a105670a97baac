"""Block Kit ids of the issue-tracker buttons and modals (issue 17); bot.slack.tracker_ids re-exports them.

The "Create issue" button's value is compact JSON `{"k": kind, "s": key}` (+ `"w"`: the digest's week start for
a theme), within Slack's 2,000 characters; the modals carry the subject and where it was clicked in
`private_metadata`.
"""
from __future__ import annotations

import json

CREATE_ISSUE = "tracker_create_issue"  # button on a digest theme, a trigger alert, a decision-log entry
CREATE_VIEW = "tracker_create_view"  # the create modal (callback id)
LINK_VIEW = "tracker_link_view"  # the "Link to existing" modal

TRACKER_BLOCK, TRACKER_INPUT = "tracker_block", "tracker_input"
PROJECT_BLOCK, PROJECT_INPUT = "tracker_project_block", "tracker_project_input"
TYPE_BLOCK, TYPE_INPUT = "tracker_type_block", "tracker_type_input"
LABELS_BLOCK, LABELS_INPUT = "tracker_labels_block", "tracker_labels_input"
TITLE_BLOCK, TITLE_INPUT = "tracker_title_block", "tracker_title_input"
BODY_BLOCK, BODY_INPUT = "tracker_body_block", "tracker_body_input"
KEY_BLOCK, KEY_INPUT = "tracker_key_block", "tracker_key_input"


def create_value(kind: str, key: str, week: str | None = None) -> str:
    data = {"k": kind, "s": key, **({"w": week} if week else {})}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(text) > 2000:
        raise ValueError("a Create issue button value over Slack's 2,000 characters")
    return text
