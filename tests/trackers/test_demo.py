"""The demo writes the Jira request Create issue would send for its busiest theme (offline, credentials masked)."""
from __future__ import annotations

import json
from datetime import date

from rich.console import Console

from bot.demo.run import run_demo
from bot.demo.trackers import FILE


def test_demo_writes_the_create_issue_request(tmp_path):
    demo = run_demo(out=tmp_path, as_of=date(2026, 11, 27), env={}, console=Console(quiet=True), days=40, per_day=40)
    request = json.loads((tmp_path / FILE).read_text())
    assert request["method"] == "POST" and request["url"] == "https://your-site.atlassian.net/rest/api/3/issue"
    assert request["headers"]["Authorization"] == "Basic base64(JIRA_EMAIL:JIRA_API_TOKEN)"
    fields = request["json"]["fields"]
    assert fields["project"] == {"key": "PAY"} and fields["issuetype"] == {"name": "Bug"}
    assert fields["summary"] and fields["description"]["type"] == "doc" and fields["labels"] == ["support-signal"]
    text = "".join(n["text"] for p in fields["description"]["content"] for n in p["content"])
    assert fields["summary"].startswith("Payment failed")  # the billing digest's top theme, as the demo plants it
    assert "in the week of 16 Nov 2026" in text and "Discussed in Slack: https://your-team.slack.com/" in text
    assert request["answer"]["key"] == "PAY-1" and any(FILE in note for note in demo.notes)


def test_demo_plants_a_fixed_theme_and_judges_it_with_the_shared_engine(tmp_path):
    demo = run_demo(out=tmp_path, as_of=date(2026, 11, 27), env={}, console=Console(quiet=True), days=60, per_day=60)
    (note,) = [n for n in demo.notes if n.startswith("fixed theme")]
    assert " · :white_check_mark: fixed in PAY-142 on " in note
    assert "tickets since then " in note and " a week against " in note
    assert any(word in note for word in ("*improved*", "*back to its usual level*", "*no change*", "*worse*"))
