"""Themes over stored tickets: load documents, run the pipeline with the SQL vector cache, keep the result.

The computation in this package stays pure; this module is its one door to
storage (like `bot.metrics.rollup`). A run clusters the last `window_weeks`
of tickets, matches its themes to the stored ones (stable ids and names),
and replaces the stored themes with what it found, member tickets included,
so digests can group tickets by theme without clustering again.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.config import ConfigError, Settings
from bot.metrics.facts import AreaMatcher
from bot.metrics.config_map import rollup_settings
from bot.storage import themes as store
from bot.storage.reference import with_reference_ids
from bot.themes.embed import Embedder, load_embedder
from bot.themes.export import themes_json
from bot.themes.models import KnownTheme, ThemeDoc, ThemeRun
from bot.themes.overrides import OverridesError, overrides_from_config
from bot.themes.pipeline import build_themes


@dataclass(frozen=True)
class ThemesReport:
    run: ThemeRun
    start_at: datetime
    end_at: datetime
    documents: int
    sources: Mapping[str, tuple[str, str]]  # ticket row id → (source, external id)

    def to_json(self) -> dict[str, Any]:
        """The `themes --json` contract: ticket ids as in the source (extra keys welcome)."""
        data = themes_json(self.run)
        for theme in data["themes"]:
            theme["ticket_ids"] = [self.sources[i][1] for i in theme["ticket_ids"] if i in self.sources]
            theme["tickets"] = [{"source": self.sources[i][0], "id": self.sources[i][1]}
                                for i in self.run_ids(theme["id"]) if i in self.sources]
            for week in theme["weeks"]:
                for example in week["examples"]:
                    example["ticket_id"] = self.sources.get(example["ticket_id"], ("", example["ticket_id"]))[1]
        data["from"], data["to"] = self.start_at.isoformat(), self.end_at.isoformat()
        data["documents"] = self.documents
        return data

    def run_ids(self, theme_id: str) -> Sequence[str]:
        return next((t.ticket_ids for t in self.run.themes if t.id == theme_id), ())


def area_matcher(settings: Settings, session: Session | None = None) -> AreaMatcher:
    """The metrics core's product-area rule (tags, or `field:value` in `[product_areas]`).

    With a session, `group:Payments` also matches the id the source names so (bot.storage.reference).
    """
    segments = rollup_settings(settings).segments
    if session is not None:
        segments = with_reference_ids(session, workspace_id=settings.workspace_id, segments=segments)
    return AreaMatcher(segments)


def documents(rows: Iterable[tuple], areas: AreaMatcher) -> tuple[list[ThemeDoc], dict[str, tuple[str, str]]]:
    """The docs of `store.ticket_rows` (one pass over the stream), and each doc's (source, external id)."""
    docs, sources = [], {}
    for row_id, external, source, created_at, subject, tags, group, csat, resolution_s, escalated, reassigned in rows:
        tags = tuple(tags or ())
        if not subject and not tags:
            continue  # nothing to read
        docs.append(ThemeDoc(
            ticket_id=str(row_id), created_at=created_at, subject=subject or "", tags=tags,
            category=areas.name(tags, {"group": group, "source": source}) or group,
            csat=None if csat is None else csat == "satisfied",
            resolution=None if resolution_s is None else timedelta(seconds=resolution_s),
            escalated=bool(escalated or reassigned),
        ))
        sources[docs[-1].ticket_id] = (source, external)
    return docs, sources


def _known(row) -> KnownTheme:
    return KnownTheme(id=row.theme_id, name=row.name, embedder=row.embedder, centroid=bytes(row.centroid),
                      key_phrases=tuple(row.key_phrases or ()), first_seen=row.first_seen,
                      ticket_ids=frozenset(row.ticket_ids or ()))


def _stored_values(run: ThemeRun) -> list[dict[str, Any]]:
    shown = {t.id: t for t in run.themes}
    weeks = {t["id"]: t["weeks"] for t in themes_json(run)["themes"]}
    values = []
    for known in run.known:
        theme = shown.get(known.id)
        values.append({
            "theme_id": known.id, "name": known.name, "embedder": known.embedder, "centroid": known.centroid,
            "key_phrases": list(known.key_phrases), "first_seen": known.first_seen,
            "ticket_ids": sorted(known.ticket_ids, key=int), "shown": theme is not None,
            "label": theme.label if theme else None, "representative": theme.representative if theme else None,
            "product_area": theme.product_area if theme else None,
            "status": theme.status.value if theme else None, "weeks": weeks.get(known.id),
        })
    return values


def run_themes(
    session_factory: sessionmaker,
    *,
    settings: Settings,
    now_at: datetime | None = None,
    start_at: datetime | None = None,
    end_at: datetime | None = None,
    clusters: int | None = None,
    embedder: Embedder | None = None,
    store_result: bool = True,
) -> ThemesReport:
    """Cluster the tickets of [start_at, end_at) (default: the last `window_weeks`), one transaction."""
    config = settings.file.themes
    try:
        overrides = overrides_from_config(config.model_dump())
    except OverridesError as error:
        raise ConfigError(settings.config_path, "themes", str(error)) from None
    now_at = now_at or datetime.now(timezone.utc)
    end_at = end_at or now_at
    start_at = start_at or end_at - timedelta(weeks=config.window_weeks)
    embedder = embedder or load_embedder(config.embedder)
    workspace_id = settings.workspace_id
    with session_factory.begin() as session:
        areas = area_matcher(settings, session)
        docs, sources = documents(
            store.ticket_rows(session, workspace_id=workspace_id, start_at=start_at, end_at=end_at), areas)
        previous = [_known(row) for row in store.stored_themes(session, workspace_id=workspace_id)]
        run = build_themes(
            docs, now=end_at, tz=settings.timezone, embedder=embedder,
            cache=store.SqlVectorCache(session, workspace_id), previous=previous, overrides=overrides,
            k=clusters or config.clusters,
        )
        if store_result:
            store.replace_themes(session, workspace_id=workspace_id, themes=_stored_values(run), at=now_at)
            store.prune_vectors(session, workspace_id=workspace_id, keep_models=[run.embedder])
    return ThemesReport(run, start_at, end_at, len(docs), sources)


def last_run_at(session_factory: sessionmaker, *, workspace_id: str) -> datetime | None:
    """When the latest successful run was stored (its `now_at`); None before the first one."""
    with session_factory() as session:
        return store.last_run_at(session, workspace_id=workspace_id)


@dataclass(frozen=True)
class ThemeWeekCount:
    """One theme's week as the latest stored run counted it: the numbers `signalroom themes` shows for
    that week, and the ones the product digests read (never counted a second way)."""

    theme_id: str
    name: str  # as a digest names it (see `theme_title`)
    product_area: str | None
    week_start: date
    count: int
    baseline: float | None  # mean of the 4 weeks before (None: the run did not cover them)
    notable: bool
    csat: float | None
    median_resolution_seconds: float | None
    example_ids: tuple[int, ...]  # ticket row ids, newest first
    ticket_ids: frozenset[int]  # the theme's members in the stored run (all weeks)


def theme_title(theme) -> str:
    """A generated name is the clearest central subject (or, failing that, key phrases); the most central
    subject (redacted) follows in quotes when it says something else. A renamed theme stands alone."""
    title = theme.name
    if theme.representative and theme.name == theme.label and theme.representative.lower() != title.lower():
        title = f"{theme.name} (“{theme.representative}”)"
    return title


def theme_weeks(session: Session, *, workspace_id: str, week_start: date) -> list[ThemeWeekCount] | None:
    """Every shown theme's counts for the week starting `week_start`, from the latest stored run;
    None when no run was stored yet. A theme whose run did not reach that week counts 0."""
    stored = store.stored_themes(session, workspace_id=workspace_id, shown_only=True)
    if not stored:
        return None
    out = []
    key = week_start.isoformat()
    for theme in stored:
        week = next((w for w in theme.weeks or () if w.get("week_start") == key), None) or {}
        out.append(ThemeWeekCount(
            theme.theme_id, theme_title(theme), theme.product_area, week_start, int(week.get("count") or 0),
            week.get("baseline"), bool(week.get("notable")), week.get("csat"), week.get("median_resolution_seconds"),
            tuple(int(e["ticket_id"]) for e in week.get("examples") or () if str(e.get("ticket_id", "")).isdigit()),
            frozenset(int(i) for i in theme.ticket_ids or ())))
    return out


def theme_names_by_ticket(session: Session, *, workspace_id: str) -> dict[int, str]:
    """Ticket row id → its theme in the latest stored run, as a digest names it.

    A generated name is the clearest central subject (or, failing that, key
    phrases); the most central subject (redacted) follows in quotes when it
    says something else. A renamed theme stands alone.
    """
    out: dict[int, str] = {}
    for theme in store.stored_themes(session, workspace_id=workspace_id, shown_only=True):
        title = theme_title(theme)
        for ticket_id in theme.ticket_ids or ():
            out[int(ticket_id)] = title
    return out
