"""The demo: deterministic sample data with its planted stories, run through the real pipeline."""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date, datetime, timedelta

from rich.console import Console

from bot.demo.run import run_demo
from bot.demo.sample import AT_RISK, BILLING_DIP_SUBJECTS, generate

AS_OF = date(2026, 11, 22)


def test_sample_is_deterministic(tmp_path):
    generate(tmp_path / "a.csv", as_of=AS_OF, days=30, per_day=40)
    generate(tmp_path / "b.csv", as_of=AS_OF, days=30, per_day=40)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_sample_carries_its_stories(tmp_path):
    story = generate(tmp_path / "s.csv", as_of=AS_OF, days=120, per_day=120)
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    day = lambda r: datetime.fromisoformat(r["created_at"]).date()  # noqa: E731

    def csat_share(selected):
        rated = [r for r in selected if r["csat"]]
        return sum(r["csat"] == "good" for r in rated) / len(rated)

    billing = [r for r in rows if "billing" in r["tags"]]
    recent = [r for r in billing if day(r) >= story.csat_dip_from]
    earlier = [r for r in billing if day(r) < story.csat_dip_from - timedelta(days=14)]
    assert csat_share(recent) < csat_share(earlier) - 0.2

    per_day = Counter(day(r) for r in rows)
    release_week = [per_day[story.release_day + timedelta(days=i)] for i in range(2)]
    same_weekdays = [per_day[story.release_day - timedelta(days=7 * k)] for k in (1, 2, 3)]
    assert min(release_week) > max(same_weekdays)

    at_risk = [r for r in rows if r["organization"] == AT_RISK and day(r) > AS_OF - timedelta(days=11)]
    assert len(at_risk) >= 5
    assert {r["channel"] for r in rows} >= {"email", "chat", "web", "phone"}


def test_demo_writes_block_kit_messages(tmp_path):
    demo = run_demo(out=tmp_path, as_of=AS_OF, env={}, console=Console(quiet=True), days=40, per_day=40)
    files = sorted(tmp_path.glob("[0-9][0-9]-*.json"))
    assert files and len(files) == len(demo.messages)
    for path in files:
        payload = json.loads(path.read_text())
        assert payload["text"] and payload["blocks"]
    index = (tmp_path / "INDEX.md").read_text()
    assert index.count("https://app.slack.com/block-kit-builder/#") == len(files)
    assert (tmp_path / "demo.db").exists()


def test_the_summarys_busiest_themes_count_the_digests_week(tmp_path):
    """The terminal summary counts the last whole week, as the digest and `signalroom themes` do (not the partial one)."""
    from bot.rituals.windows import week_of
    from bot.themes.weekly import last_complete_week

    demo = run_demo(out=tmp_path, as_of=AS_OF, env={}, console=Console(quiet=True), days=40, per_day=40)
    week = last_complete_week(AS_OF)
    note = next(n for n in demo.notes if "busiest" in n)
    assert f"busiest in the {week_of(week)}: " in note
    themes = json.loads((tmp_path / "themes.json").read_text())["themes"]
    counts = {t["label"]: next(w["count"] for w in t["weeks"] if w["week_start"] == week.isoformat()) for t in themes}
    for part in note.split(": ", 1)[1].split("; "):
        name, _, count = part.rpartition(" (")
        assert counts[name] == int(count.rstrip(")"))
    for path in tmp_path.glob("*-ritual_digest.json"):
        assert week_of(week) in json.loads(path.read_text())["text"]


def test_digest_tells_the_billing_story_of_the_week_it_reports(tmp_path):
    """On a Friday the digest reports the last whole week (Mon 16 to Sun 22 Nov): the new billing page's
    themes are planted from that Monday, so it leads with them, with the counts `signalroom themes` stored.

    ~6,000 tickets: enough for the themes run's default cluster count (√n/2) to reach the sample's
    37 distinct subjects, so the new subjects are not merged into older themes.
    """
    friday = date(2026, 11, 27)
    demo = run_demo(out=tmp_path, as_of=friday, env={}, console=Console(quiet=True), days=36, per_day=200)
    assert demo.story.billing_themes_from == date(2026, 11, 16)
    digests = [m for name, channel, m in demo.messages if name == "ritual_digest" and channel == "C0DEMOBILLING"]
    assert len(digests) == 1
    text = digests[0].blocks[1]["text"]["text"]
    assert digests[0].blocks[0]["text"]["text"] == "Support digest · billing · week of 16 Nov"
    shown = dict(re.findall(r"\*([^*]+)\*[:,] (\d+) tickets", text))
    # `signalroom themes --json` for the same run: each theme's count for the week of 16 Nov.
    themes = json.loads((tmp_path / "themes.json").read_text())["themes"]
    week_counts = {(t["label"], w["count"]) for t in themes for w in t["weeks"] if w["week_start"] == "2026-11-16"}
    planted = [label for label in shown if label in BILLING_DIP_SUBJECTS]
    assert len(planted) >= 2, text
    for label in planted:
        assert (label, int(shown[label])) in week_counts
    assert re.search(r"More customers are struggling with \*Payment failed on the new billing page\*: \d+ tickets, "
                     r"\+\d+ % over the 4-week average", text), text
    assert re.search(r"New in the week of 16 Nov: \*(New billing flow rejects my card|Can't find invoices in the new billing "
                     r"page)\*, \d+ tickets \(none in the 4 weeks before\)", text), text
