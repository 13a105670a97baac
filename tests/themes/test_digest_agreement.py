"""`signalroom themes` and the product digest show the same weekly count for a theme in the same week.

They disagreed (121 against 187 in the demo) because the themes table showed the week containing `now` (a
partial week) while the digest counted the 7 days before its day (parts of two weeks), by theme title, among
the area's tickets. Both now read the run's count for the last whole week before their day.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bot.commands.themes import theme_lines
from bot.config import load_settings
from bot.rituals import digests
from bot.storage.tickets import upsert_tickets
from bot.themes import HashingEmbedder
from bot.themes.service import run_themes
from bot.themes.weekly import last_complete_week
from integrations.base import Ticket
from tests.golden import assert_plain_words

FRIDAY = datetime(2026, 11, 27, 8, tzinfo=timezone.utc)  # the demo's day: mid-week, not a Monday
SUBJECTS = {"billing": ["Card declined on the billing page", "Payment failed at checkout", "Charged twice"],
            "login": ["Password reset link expired", "Cannot log in after reset", "Two factor code never arrives"]}


def settings(tmp_path):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "Europe/Berlin"\nworkspace_id = "w"\n[product_areas]\nbilling = ["billing"]\n'
                    'login = ["login"]\n[[routing]]\nproduct_area = "billing"\nchannel = "C0BILLING"\n',
                    encoding="utf-8")
    return load_settings({}, config_path=str(path))


def tickets() -> list[Ticket]:
    """Six weeks of tickets, one every three hours, more of them lately (so weeks differ)."""
    out, at, n = [], FRIDAY - timedelta(weeks=6), 0
    while at < FRIDAY:
        area = "billing" if n % 2 else "login"
        out.append(Ticket(source="zendesk", external_id=f"Z-{n}", status="solved", created_at=at, updated_at=at,
                          subject=SUBJECTS[area][n % 3], tags=(area,), csat="satisfied" if n % 4 else "unsatisfied"))
        n += 1
        at += timedelta(hours=3 if at < FRIDAY - timedelta(days=10) else 2)
    return out


def test_themes_and_the_digest_count_the_same_week_alike(tmp_path, session_factory):
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w", tickets=tickets())
    s = settings(tmp_path)
    report = run_themes(session_factory, settings=s, now_at=FRIDAY, clusters=2, embedder=HashingEmbedder())
    today = FRIDAY.astimezone(s.timezone).date()
    week = last_complete_week(today)
    assert week == date(2026, 11, 16)

    with session_factory() as session:
        (digest,) = digests.gather(session, settings=s, today=today, period="p")
    assert digest.week_start == week and digest.week_words == "week of 16 Nov"
    parent, details = digests.render_digest(digest)
    for message in (parent, *details):
        assert_plain_words(message)
    billing = next(t for t in report.run.themes if t.product_area == "billing")
    cli_week = next(w for w in billing.weeks if w.week_start == week)
    line = next(t for t in digest.themes if t.label.startswith(billing.name))
    assert line.count == cli_week.count > 0
    assert line.avg_4w == cli_week.baseline
    # the JSON of `signalroom themes` and its table say the same for that week
    json_week = next(w for t in report.to_json()["themes"] if t["id"] == billing.id for w in t["weeks"]
                     if w["week_start"] == week.isoformat())
    assert json_week["count"] == line.count
    row = next(l for l in theme_lines(report.run.themes, width=200, week=week) if l.startswith(billing.id))
    assert f" {line.count} " in f" {row} "
    # and the digest's week is whole: the partial week of the run is not what either shows
    partial = next(w for w in billing.weeks if w.week_start == date(2026, 11, 23))
    assert partial.count != line.count


def test_before_any_themes_run_the_digest_groups_by_tags(tmp_path, session_factory):
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w", tickets=tickets())
    s = settings(tmp_path)
    with session_factory() as session:
        (digest,) = digests.gather(session, settings=s, today=date(2026, 11, 27), period="p")
    assert digest.tickets > 0 and [t.label for t in digest.themes][:1] in (["Card declined on the billing page"],
                                                                           ["Payment failed at checkout"],
                                                                           ["Charged twice"])
