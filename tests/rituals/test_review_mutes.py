"""The weekly review's header lists the week's mutes (issue 12.5): what, until when or that it was lifted,
why, by whom; escaped like every user text."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.actions.mutes import MuteLine
from bot.rituals import review
from tests.golden import assert_golden
from tests.rituals.test_templates import GREEN

MUTES = (
    MuteLine(3, "Ticket volume", datetime(2026, 11, 30, 8, 0, tzinfo=UTC), "release week <v3> & more", "U0LEAD",
             False, "ticket_volume"),
    MuteLine(4, "Customer satisfaction (rule csat-drop) — billing (product area)",
             datetime(2026, 11, 25, 12, 0, tzinfo=UTC), None, "U0OPS", True, "csat-drop product_area=billing"),
)


def test_review_header_lists_the_weeks_mutes():
    parent, _ = review.render_review(dataclasses.replace(GREEN, mutes=MUTES), channel="C0REVIEW")
    assert_golden("ritual_review_muted", parent, sort_keys=False)
    text = next(b["text"]["text"] for b in parent.blocks if ":no_bell:" in b.get("text", {}).get("text", ""))
    assert "*Ticket volume* until <!date^" in text and "release week &lt;v3&gt; &amp; more" in text
    assert "until it was unmuted" in text and "by <@U0OPS>" in text


def test_without_mutes_the_header_has_no_mute_line():
    parent, _ = review.render_review(GREEN, channel="C0REVIEW")
    assert ":no_bell:" not in str(parent.blocks)
