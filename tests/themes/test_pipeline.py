"""Behaviour of a whole run: identities across runs, overrides, incremental embedding, JSON."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.themes import (
    InMemoryVectorCache,
    PinnedTheme,
    ThemeOverrides,
    ThemeRun,
    ThemeStatus,
    build_themes,
    themes_json,
)

from .factories import NOW, TOPICS, CountingEmbedder, make_doc, topic_docs

UTC = ZoneInfo("UTC")


def run(docs, embedder=None, **kwargs) -> ThemeRun:
    return build_themes(docs, now=NOW, tz=UTC, embedder=embedder or CountingEmbedder(), **kwargs)


def theme_of(result: ThemeRun, ticket_id: str):
    theme_id = result.assignments[ticket_id]
    return next(t for t in result.themes if t.id == theme_id)


def test_clear_topics_become_one_theme_each_with_readable_key_phrases() -> None:
    result = run(topic_docs(30), k=3)
    assert sorted(t.count for t in result.themes) == [30, 30, 30]
    phrases = {p for t in result.themes for p in t.key_phrases[:2]}
    assert {"password", "invoice"} & phrases and any("app" in p or "crash" in p for p in phrases)
    assert all(t.status is ThemeStatus.NEW for t in result.themes)


def test_theme_keeps_id_and_name_across_runs_and_a_new_topic_is_flagged_new() -> None:
    first = run(topic_docs(30, topics=("password", "invoice")), k=2, seed=1)
    later = topic_docs(30, first_id=500, topics=("password", "invoice", "crash"))
    second = run(later, k=3, seed=2, previous=[t.to_known() for t in first.themes])

    for topic_ticket_first, topic_ticket_second in (("0", "500"), ("30", "530")):
        before, after = theme_of(first, topic_ticket_first), theme_of(second, topic_ticket_second)
        assert (after.id, after.name) == (before.id, before.name)
        assert after.status is not ThemeStatus.NEW
    crash = theme_of(second, "560")
    assert crash.status is ThemeStatus.NEW
    assert crash.id not in {t.id for t in first.themes}


def test_rename_and_product_area_overrides_apply_by_theme_id() -> None:
    first = run(topic_docs(20), k=3)
    password_id = theme_of(first, "0").id
    overrides = ThemeOverrides(rename={password_id: "Login trouble"}, product_areas={password_id: "Identity"})
    second = run(topic_docs(20), k=3, previous=[t.to_known() for t in first.themes], overrides=overrides)
    theme = theme_of(second, "0")
    assert (theme.id, theme.name, theme.product_area) == (password_id, "Login trouble", "Identity")
    assert theme.label != "Login trouble"  # the generated label stays available


def test_merge_override_folds_one_theme_into_another() -> None:
    first = run(topic_docs(20), k=3)
    password_id, invoice_id = theme_of(first, "0").id, theme_of(first, "20").id
    previous = [t.to_known() for t in first.themes]
    plain = run(topic_docs(20), k=3, previous=previous)
    merged = run(topic_docs(20), k=3, previous=previous, overrides=ThemeOverrides(merge={invoice_id: password_id}))
    assert invoice_id not in {t.id for t in merged.themes}
    target = theme_of(merged, "20")
    counts = {t.id: t.count for t in plain.themes}
    assert target.id == password_id and target.merged_from == (invoice_id,)
    assert target.count == counts[password_id] + counts[invoice_id]


def test_a_merge_keeps_applying_in_later_runs_without_fresh_ids() -> None:
    first = run(topic_docs(20), k=3)
    password_id, invoice_id = theme_of(first, "0").id, theme_of(first, "20").id
    overrides = ThemeOverrides(merge={invoice_id: password_id})
    second = run(topic_docs(20), k=3, previous=first.known, overrides=overrides)
    third = run(topic_docs(20, first_id=300), k=3, seed=5, previous=second.known, overrides=overrides)
    assert {t.id for t in third.themes} == {t.id for t in second.themes}
    assert all(t.status is not ThemeStatus.NEW for t in third.themes)
    assert invoice_id in {k.id for k in second.known}


def test_pinned_theme_takes_matching_tickets_and_is_listed_even_when_empty() -> None:
    pins = (PinnedTheme("sso", "Single sign-on", terms=("sso", "saml")), PinnedTheme("gdpr", "Data requests", tags=("gdpr",)))
    docs = topic_docs(20) + [make_doc(ticket_id=f"s{i}", subject=f"SAML login fails for tenant {i}") for i in range(5)]
    result = run(docs, k=3, overrides=ThemeOverrides(pinned=pins))
    sso = theme_of(result, "s0")
    assert (sso.id, sso.name, sso.pinned, sso.count) == ("sso", "Single sign-on", True, 5)
    gdpr = next(t for t in result.themes if t.id == "gdpr")
    assert gdpr.count == 0 and gdpr.pinned
    assert "sso" not in {t.id for t in result.themes if not t.pinned}


def test_incremental_run_embeds_only_new_tickets() -> None:
    embedder, cache = CountingEmbedder(), InMemoryVectorCache()
    old = topic_docs(20)
    first = run(old, embedder=embedder, cache=cache, k=3)
    assert (first.embedded, first.cached, embedder.embedded) == (60, 0, 60)

    new = topic_docs(5, first_id=900)
    second = run(old[15:] + new, embedder=embedder, cache=cache, k=3, previous=[t.to_known() for t in first.themes])
    assert (second.embedded, second.cached) == (15, 45)
    assert embedder.embedded == 60 + 15


def test_edited_ticket_text_is_embedded_again() -> None:
    embedder, cache = CountingEmbedder(), InMemoryVectorCache()
    run([make_doc(ticket_id="1", subject="cannot reset password")], embedder=embedder, cache=cache, k=1)
    run([make_doc(ticket_id="1", subject="cannot reset password", body="the link in the email expired")], embedder=embedder, cache=cache, k=1)
    assert embedder.calls == [1, 1]


def test_weekly_outcomes_per_theme() -> None:
    docs = [
        make_doc(ticket_id=str(i), created_at=NOW - timedelta(hours=i + 1), csat=i % 2 == 0, resolution=timedelta(hours=i + 1), escalated=i == 0)
        for i in range(4)
    ]
    result = run(docs, k=1)
    (theme,) = result.themes
    week = theme.weeks[-1]
    assert (week.count, week.csat, week.rated, week.escalation_rate) == (4, 0.5, 4, 0.25)
    assert week.median_resolution == timedelta(hours=2, minutes=30)
    assert [e.ticket_id for e in week.examples] == ["0", "1", "2"]


def test_examples_and_labels_are_redacted() -> None:
    docs = [make_doc(ticket_id=str(i), subject=f"refund to jo{i}@example.com for order 55{i}") for i in range(6)]
    result = run(docs, k=1)
    (theme,) = result.themes
    shown = [theme.representative, theme.label, *theme.key_phrases, *(e.subject for w in theme.weeks for e in w.examples)]
    assert all("@" not in s and not any(ch.isdigit() for ch in s) for s in shown)


def test_json_lists_id_label_key_phrases_count_and_ticket_ids() -> None:
    result = run(topic_docs(10), k=3)
    payload = themes_json(result)
    assert {"id", "label", "key_phrases", "count", "ticket_ids"} <= set(payload["themes"][0])
    assert sum(t["count"] for t in payload["themes"]) == 30
    assert sorted(i for t in payload["themes"] for i in t["ticket_ids"]) == sorted(str(i) for i in range(30))


def test_empty_and_tiny_inputs() -> None:
    assert run([], k=None).themes == ()
    (theme,) = run([make_doc()], k=5).themes
    assert theme.count == 1


def test_topics_fixture_is_distinct() -> None:
    assert len({s for subjects in TOPICS.values() for s in subjects}) == 15


def test_a_known_theme_that_doubles_this_week_is_flagged_emerging() -> None:
    steady = [
        make_doc(ticket_id=f"w{weeks}-{i}", subject="cannot reset my password", created_at=NOW - timedelta(weeks=weeks, hours=i))
        for weeks in range(1, 5)
        for i in range(5)
    ]
    first = run(steady, k=1)
    spike = [make_doc(ticket_id=f"new-{i}", subject="password reset link expired", created_at=NOW - timedelta(hours=i + 1)) for i in range(20)]
    second = run(steady + spike, k=1, previous=first.known)
    (theme,) = second.themes
    latest = theme.weeks[-1]
    assert (theme.id, latest.count, latest.baseline, latest.notable) == (first.themes[0].id, 20, 5.0, True)
    assert theme.status is ThemeStatus.EMERGING
    (quiet,) = run(steady, k=1, previous=first.known).themes
    assert quiet.status is ThemeStatus.ONGOING
