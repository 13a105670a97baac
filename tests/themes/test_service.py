"""Themes over a real database: stable ids across runs, the JSON contract, digests reading the result."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from bot.config import load_settings
from bot.storage.tickets import upsert_tickets
from bot.themes import HashingEmbedder
from bot.themes.service import run_themes, theme_names_by_ticket
from integrations.base import Ticket

NOW = datetime(2026, 11, 23, 8, tzinfo=timezone.utc)
SUBJECTS = {
    "billing": ["Card declined on the billing page", "Payment failed at checkout", "Charged twice for my plan"],
    "login": ["Password reset link expired", "Cannot log in after reset", "Two factor code never arrives"],
}


def settings(tmp_path, extra: str = ""):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "Europe/Berlin"\nworkspace_id = "w"\n[product_areas]\nbilling = ["billing"]\n'
                    'login = ["login"]\n' + extra)
    return load_settings({}, config_path=str(path))


def tickets(weeks: int = 6, per_week: int = 12) -> list[Ticket]:
    out = []
    for week in range(weeks):
        for i in range(per_week):
            area = "billing" if i % 2 else "login"
            created = NOW - timedelta(weeks=weeks - week, hours=-i)
            out.append(Ticket(source="zendesk", external_id=f"Z-{week}-{i}", status="solved", created_at=created,
                              updated_at=created, subject=SUBJECTS[area][i % 3], tags=(area,),
                              csat="satisfied" if i % 3 else "unsatisfied"))
    return out


def load(session_factory, items) -> None:
    with session_factory.begin() as session:
        upsert_tickets(session, workspace_id="w", tickets=items)


def test_ids_stay_put_across_runs_and_json_speaks_source_ids(tmp_path, session_factory):
    load(session_factory, tickets())
    s = settings(tmp_path)
    first = run_themes(session_factory, settings=s, now_at=NOW, clusters=2, embedder=HashingEmbedder())
    second = run_themes(session_factory, settings=s, now_at=NOW + timedelta(hours=1), clusters=2,
                        embedder=HashingEmbedder())
    assert {t.id for t in first.run.themes} == {t.id for t in second.run.themes}
    assert second.run.embedded == 0 and second.run.cached == first.documents  # vectors came from SQL
    data = second.to_json()
    ids = [i for theme in data["themes"] for i in theme["ticket_ids"]]
    assert sorted(ids) == sorted(f"Z-{w}-{i}" for w in range(6) for i in range(12))
    assert {"id", "label", "key_phrases", "count", "ticket_ids"} <= set(data["themes"][0])
    areas = {t["product_area"] for t in data["themes"]}
    assert areas == {"billing", "login"}  # each theme takes its tickets' shared area


def test_digest_lookup_and_renames(tmp_path, session_factory):
    load(session_factory, tickets())
    first = run_themes(session_factory, settings=settings(tmp_path), now_at=NOW, clusters=2, embedder=HashingEmbedder())
    billing = next(t for t in first.run.themes if t.product_area == "billing")
    renamed = settings(tmp_path, f'[themes.rename]\n{billing.id} = "Checkout payments fail"\n')
    run_themes(session_factory, settings=renamed, now_at=NOW, clusters=2, embedder=HashingEmbedder())
    with session_factory() as session:
        names = theme_names_by_ticket(session, workspace_id="w")
        assert theme_names_by_ticket(session, workspace_id="other") == {}
    assert "Checkout payments fail" in set(names.values())
    assert len(names) == 72


def test_explicit_range_is_not_stored_and_privacy_mode_uses_tags(tmp_path, session_factory):
    load(session_factory, [dataclasses.replace(t, subject=None) for t in tickets()])
    s = settings(tmp_path)
    report = run_themes(session_factory, settings=s, now_at=NOW, clusters=2, embedder=HashingEmbedder(),
                        store_result=False)
    assert report.documents == 72 and len(report.run.themes) == 2  # tags alone still group tickets
    with session_factory() as session:
        assert theme_names_by_ticket(session, workspace_id="w") == {}


def test_documents_use_the_metrics_product_area_rule(tmp_path):
    from bot.themes.service import area_matcher, documents

    path = tmp_path / "areas.toml"
    path.write_text('timezone = "UTC"\n[product_areas]\npayments = ["group:Payments"]\nbilling = ["billing"]\n')
    s = load_settings({}, config_path=str(path))
    rows = [(1, "A", "zendesk", NOW, "Card declined", [], "Payments", None, None, False, 0),
            (2, "B", "zendesk", NOW, "Invoice copy", ["billing"], "Tier 1", None, None, False, 0),
            (3, "C", "zendesk", NOW, "", [], "Tier 1", None, None, False, 0)]  # nothing to read: skipped
    docs, sources = documents(rows, area_matcher(s))
    assert [(d.ticket_id, d.category) for d in docs] == [("1", "payments"), ("2", "billing")]
    assert sources == {"1": ("zendesk", "A"), "2": ("zendesk", "B")}  # the same pass: no second query
