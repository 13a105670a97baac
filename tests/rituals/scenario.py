"""A configured workspace for worker tests: settings file, seeded data, workers over the fake Slack."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from slack_sdk import WebClient

from bot.config import load_settings
from bot.slack.delivery import SlackDelivery
from bot.rituals.runner import Runner
from bot.rituals.worker import Worker
from tests.rituals import factories as f

CONFIG = """
timezone = "Europe/Berlin"

[slack]
review_channel = "C0REVIEW"
alerts_channel = "C0ALERTS"
cs_channel = "C0SUCCESS"
leadership_channel = "C0LEADERS"

[product_areas]
billing = ["billing"]
login = ["login"]

[accounts]
high_value = ["Northwind Traders"]
repeat_contacts = 3
repeat_window_days = 14

[[rules]]
name = "csat-drop"
metric = "csat"
by = "product_area"
playbook = "csat-recovery"

[[rules]]
name = "reopen-spike"
metric = "reopen_rate"

[playbooks.csat-recovery]
owner = "U0LEAD"
steps = ["Read the last 20 unsatisfied tickets", "Agree one fix with product"]
due_days = 7

[rituals.leadership]
enabled = true
day = "mon"

[[routing]]
product_area = "billing"
channel = "C0BILLING"

[[routing]]
product_area = "login"
channel = "C0LOGIN"
"""


def settings(tmp_path: Path, extra: str = ""):
    path = tmp_path / "signalroom.toml"
    path.write_text(CONFIG + extra)
    return load_settings({}, config_path=str(path))


def seed_tickets(session, monday: date) -> None:
    """Billing: a recurring 'payment failed' theme growing this week; Northwind contacting again and again."""
    n = 0
    for week in range(1, 5):  # four prior weeks: 4 a week
        for i in range(4):
            n += 1
            session.add(f.ticket(n, f.at(monday - timedelta(days=7 * week + i + 1)), tags=["billing", "payment_failed"],
                                 csat="satisfied"))
    for i in range(14):  # this week: 14, mostly unhappy
        n += 1
        session.add(f.ticket(n, f.at(monday - timedelta(days=1 + i % 6)), tags=["billing", "payment_failed"],
                             csat="unsatisfied" if i % 3 else "satisfied", organization="Northwind Traders" if i < 4 else None))
    for i in range(6):
        n += 1
        session.add(f.ticket(n, f.at(monday - timedelta(days=1 + i % 5)), tags=["login"], csat="satisfied"))


def make_worker(settings, session_factory, slack_url: str, sleeps: list, holder: str) -> Worker:
    client = WebClient(token="xoxb-test-not-a-real-token", base_url=slack_url, retry_handlers=[])
    delivery = SlackDelivery(client=client, sleep=sleeps.append)
    runner = Runner(settings, session_factory, delivery)
    return Worker(runner, holder=holder)
