"""Known change days (release, incident, holiday), scoped by workspace. Callers own the transaction."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import UsageError
from bot.storage.models import Annotation

KINDS = ("release", "incident", "holiday")
MAX_LABEL = 200


def annotate(session: Session, *, workspace_id: str, day: date, kind: str, label: str, created_by: str | None) -> Annotation:
    """Mark a day; marking the same day, kind and label again returns the existing row."""
    label = label.strip()
    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if not label:
        raise UsageError("an annotation needs a label, like `v2.3 release`")
    if len(label) > MAX_LABEL:
        raise UsageError(f"the label is {len(label)} characters; keep it under {MAX_LABEL}")
    existing = session.scalar(select(Annotation).where(
        Annotation.workspace_id == workspace_id, Annotation.day == day, Annotation.kind == kind,
        Annotation.label == label))
    if existing is not None:
        return existing
    row = Annotation(workspace_id=workspace_id, day=day, kind=kind, label=label, created_by=created_by)
    session.add(row)
    session.flush()
    return row


def holidays(session: Session, *, workspace_id: str) -> frozenset[date]:
    """The days marked as holidays from Slack (`/metrics annotate <day> holiday …`): days off for due dates,
    like the [[annotations]] holidays of the config (`bot.actions.workdays.working_days`)."""
    return frozenset(session.scalars(select(Annotation.day).where(
        Annotation.workspace_id == workspace_id, Annotation.kind == "holiday")))


def annotations_between(session: Session, *, workspace_id: str, start: date, end: date) -> list[Annotation]:
    """Annotations with start <= day < end, oldest first."""
    return list(session.scalars(select(Annotation).where(
        Annotation.workspace_id == workspace_id, Annotation.day >= start, Annotation.day < end,
    ).order_by(Annotation.day, Annotation.id)))


class KnownDays(dict):
    """day → `ChangeDay` for every metric (annotations: config and Slack), plus each metric's muted days
    (`bot.actions.mutes.known_days`), which leave only that metric's baselines: see `for_metric`."""

    def __init__(self, days: Mapping, muted: Mapping[str, Mapping[date, str]] | None = None) -> None:
        super().__init__(days)
        self.muted = dict(muted or {})

    def for_metric(self, metric: str) -> dict:
        extra = self.muted.get(metric)
        if not extra:
            return self
        from bot.metrics.settings import ChangeDay

        out = dict(self)
        for day, reason in extra.items():
            out.setdefault(day, ChangeDay(day, reason, "muted"))
        return out


def for_metric(changes: Mapping, metric: str) -> Mapping:
    """The known days one metric's baselines leave out (`changes` may be a plain mapping)."""
    return changes.for_metric(metric) if isinstance(changes, KnownDays) else changes
