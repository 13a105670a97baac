"""SQL for themes: the documents a run reads, the vector cache, and the stored themes. Never commits."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from bot.storage.models import TicketRow
from bot.storage.theme_models import StoredTheme, ThemeVector

CHUNK = 500
ROWS_PER_FETCH = 5_000  # ticket rows are streamed: a 300k-ticket run never holds them all


class SqlVectorCache:
    """`bot.themes.VectorCache` on the theme_vectors table, scoped by workspace."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session, self.workspace_id = session, workspace_id

    def get_many(self, model: str, keys: Sequence[str]) -> Mapping[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), CHUNK):
            rows = self.session.execute(
                select(ThemeVector.key, ThemeVector.vector).where(
                    ThemeVector.workspace_id == self.workspace_id, ThemeVector.model == model,
                    ThemeVector.key.in_(keys[start:start + CHUNK]))
            )
            found.update({key: bytes(vector) for key, vector in rows})
        return found

    def put_many(self, model: str, vectors: Mapping[str, bytes]) -> None:
        # A bulk insert of plain rows: ORM objects for 300k vectors took ~650 MB in one run.
        if vectors:
            self.session.execute(insert(ThemeVector), [
                {"workspace_id": self.workspace_id, "model": model, "key": k, "vector": v} for k, v in vectors.items()])


def ticket_rows(session: Session, *, workspace_id: str, start_at: datetime, end_at: datetime) -> Iterator[tuple]:
    """(id, external_id, source, created_at, subject, tags, group_name, csat, resolution_seconds, escalated,
    reassignments) of non-deleted tickets created in [start_at, end_at), oldest first, streamed in batches
    (consume them before the next query on this session)."""
    t = TicketRow
    query = select(t.id, t.external_id, t.source, t.created_at, t.subject, t.tags, t.group_name, t.csat,
                   t.resolution_seconds, t.escalated, t.reassignments).where(
        t.workspace_id == workspace_id, t.deleted.is_(False), t.outbound.is_(False), t.created_at >= start_at,
        t.created_at < end_at).order_by(t.created_at)
    for row in session.execute(query.execution_options(yield_per=ROWS_PER_FETCH)):
        yield tuple(row)


def external_ids(session: Session, *, workspace_id: str, row_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Row id → (source, external id)."""
    out: dict[int, tuple[str, str]] = {}
    for start in range(0, len(row_ids), CHUNK):
        rows = session.execute(select(TicketRow.id, TicketRow.source, TicketRow.external_id).where(
            TicketRow.workspace_id == workspace_id, TicketRow.id.in_(row_ids[start:start + CHUNK])))
        out.update({i: (s, e) for i, s, e in rows})
    return out


def stored_themes(session: Session, *, workspace_id: str, shown_only: bool = False) -> list[StoredTheme]:
    query = select(StoredTheme).where(StoredTheme.workspace_id == workspace_id)
    if shown_only:
        query = query.where(StoredTheme.shown.is_(True))
    return list(session.scalars(query.order_by(StoredTheme.theme_id)))


def replace_themes(session: Session, *, workspace_id: str, themes: Sequence[dict], at: datetime | None = None) -> None:
    """The latest run replaces the stored themes (identity lives on in ids and centroids).

    `at` (default: now) stamps them: `last_run_at` reads it (the worker's themes interval)."""
    stamp = {} if at is None else {"updated_at": at}
    session.execute(delete(StoredTheme).where(StoredTheme.workspace_id == workspace_id))
    session.add_all(StoredTheme(workspace_id=workspace_id, **values, **stamp) for values in themes)
    session.flush()


def last_run_at(session: Session, *, workspace_id: str) -> datetime | None:
    """When the latest stored run was stored (a failed run stores nothing; None: no run stored yet)."""
    return session.scalar(select(func.max(StoredTheme.updated_at)).where(StoredTheme.workspace_id == workspace_id))


def prune_vectors(session: Session, *, workspace_id: str, keep_models: Sequence[str]) -> None:
    """Vectors of embedders no longer in use are dead weight."""
    session.execute(delete(ThemeVector).where(ThemeVector.workspace_id == workspace_id,
                                              ThemeVector.model.not_in(keep_models)))


def window(now_at: datetime, weeks: int) -> tuple[datetime, datetime]:
    return now_at - timedelta(weeks=weeks), now_at
