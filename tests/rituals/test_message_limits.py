"""Long ticket text never costs a post: subjects, organization names and theme labels are cut
by their rendered length (after escaping), every section stays within Slack's limits, and the post
says what was cut."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.blocks import MAX_HEADER_TEXT, MAX_SECTION_TEXT, validate
from bot.cli import main
from bot.rituals import accounts
from tests.rituals import factories as f
from tests.rituals.test_commands import NOW, env

AT = datetime(2026, 11, 21, 9, tzinfo=UTC)


def _account(organization: str, subject: str, *, tickets: int = 4) -> accounts.AccountRisk:
    return accounts.AccountRisk(organization, True, tickets, 1.0, 1, 2, tuple(
        accounts.RecentTicket(str(900 + i), f"https://acme.zendesk.com/agent/tickets/{900 + i}", AT - timedelta(hours=i),
                              "unsatisfied", subject, True) for i in range(tickets)))


REPRODUCTIONS = {
    "four subjects of 651 characters": _account("Northwind Traders", "s" * 651),
    "subjects of 166 '<' (four times as long escaped)": _account("Northwind Traders", "<" * 166),
    "an organization name of 2,556 characters": _account("N" * 2556, "Sync broke"),
    "all at once": _account("<" * 2556, "<&>" * 651),
}


@pytest.mark.parametrize("case", sorted(REPRODUCTIONS))
def test_oversized_account_text_still_renders_within_limits_and_says_what_was_cut(case):
    oversized = REPRODUCTIONS[case]
    report = accounts.AccountReport("C0SUCCESS", "2026-W48", 14, 3, (
        oversized, *[_account(f"Org {n}", "Cannot log in") for n in range(7)]))
    message = accounts.render_report(report)
    validate(message)
    for block in message.blocks:
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= (MAX_HEADER_TEXT if block["type"] == "header" else MAX_SECTION_TEXT)
    account = message.blocks[2]["text"]["text"]
    assert "…" in account  # says it was cut
    for ticket in oversized.tickets:  # every ticket line kept, with its link
        assert f"|#{ticket.id}>" in account
    assert all("<" not in line.split(">", 2)[-1] for line in account.splitlines()[1:])  # no unescaped text
    assert "*Org 6*" in message.blocks[-1]["text"]["text"]  # the other accounts are all there


def test_a_short_account_is_not_cut():
    report = accounts.AccountReport("C0SUCCESS", "2026-W48", 14, 3, (_account("Northwind Traders", "Sync broke"),))
    assert "…" not in json.dumps(accounts.render_report(report).payload(), ensure_ascii=False)


def test_digest_accounts_with_long_subjects_exits_0(tmp_path, db_url, session_factory, capsys):
    day = NOW.date() - timedelta(days=2)
    with session_factory.begin() as session:
        for n, subject in enumerate(["s" * 651] * 4 + ["<" * 166] * 4):
            session.add(f.ticket(n, f.at(day, 8 + n), organization="Northwind Traders" if n < 4 else "O" * 254,
                                 subject=subject, csat="unsatisfied"))
    with time_machine.travel(NOW, tick=False):
        assert main(["digest", "--kind", "accounts", "--json"], env(tmp_path, db_url)) == 0
        messages = json.loads(capsys.readouterr().out)["messages"]
    [post] = [m for m in messages if m["ritual"] == "account_risk"]
    rendered = json.dumps(post, ensure_ascii=False)
    assert "Northwind Traders" in rendered and "…" in rendered


def test_digest_with_theme_labels_from_long_subjects_stays_within_limits():
    from datetime import date

    from bot.rituals import digests

    themes = tuple(digests.ThemeLine(label, 42, 31.0, "+35 %", 0.61, "2.1 days",
                                     tuple((str(n), f"https://acme.zendesk.com/agent/tickets/{n}") for n in range(5)), True)
                   for label in ["s" * 651, "<" * 166, "<&>" * 651, "payment failed"])
    d = digests.Digest("billing", "C0BILLING", date(2026, 11, 16), date(2026, 11, 22), "2026-W48", 64, 48.5, themes,
                       0.88, 0.12, 0.07, True)
    parent, details = digests.render_digest(d)
    for message in (parent, *details):
        validate(message)
        assert all(len((b.get("text") or {}).get("text", "")) <= MAX_SECTION_TEXT for b in message.blocks)
    text = json.dumps([parent.payload(), *(m.payload() for m in details)], ensure_ascii=False)
    assert "*payment failed*" in text and "…*" in text
