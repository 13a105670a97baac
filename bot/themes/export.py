"""The `signalroom themes --json` shape: {"themes": [{"id", "label", "key_phrases", "count", "ticket_ids", ...}]}."""

from __future__ import annotations

from typing import Any

from .models import Theme, ThemeRun, ThemeWeek


def themes_json(run: ThemeRun) -> dict[str, Any]:
    return {"embedder": run.embedder, "clusters": run.k, "themes": [theme_json(t) for t in run.themes]}


def theme_json(theme: Theme) -> dict[str, Any]:
    return {
        "id": theme.id,
        "label": theme.name,
        "generated_label": theme.label,
        "key_phrases": list(theme.key_phrases),
        "representative": theme.representative,
        "count": theme.count,
        "ticket_ids": list(theme.ticket_ids),
        "status": theme.status.value,
        "pinned": theme.pinned,
        "product_area": theme.product_area,
        "merged_from": list(theme.merged_from),
        "first_seen": theme.first_seen.isoformat() if theme.first_seen else None,
        "weeks": [week_json(w) for w in theme.weeks],
    }


def week_json(week: ThemeWeek) -> dict[str, Any]:
    return {
        "week_start": week.week_start.isoformat(),
        "count": week.count,
        "baseline": week.baseline,
        "change": week.change,
        "notable": week.notable,
        "direction": week.direction,
        "csat": week.csat,
        "rated": week.rated,
        "median_resolution_seconds": week.median_resolution.total_seconds() if week.median_resolution else None,
        "escalation_rate": week.escalation_rate,
        "examples": [{"ticket_id": e.ticket_id, "subject": e.subject} for e in week.examples],
    }
