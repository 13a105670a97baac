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


def for_metric(changes: Mapping, metric: str) -> Mapping:
    """The known days one metric's baselines leave out: `changes` is a plain mapping, or the rollup's
    `bot.metrics.known_days.KnownDays`, which adds that metric's muted days."""
    pick = getattr(changes, "for_metric", None)
    return pick(metric) if pick is not None else changes
