"""One themes run: clean -> embed (cached per ticket) -> cluster -> identify -> label -> weekly."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from bot.redact import redact

from .cache import VectorCache, cache_key, from_blob, to_blob
from .cluster import ClusterSettings, auto_k, cluster_rows
from .embed import Embedder
from .features import ClusteringVectors, FeatureSettings
from .identity import IdentitySettings, match_clusters
from .labels import central_indices, key_phrases, label_from_phrases, title_from_subjects
from .models import KnownTheme, Theme, ThemeDoc, ThemeRun, ThemeStatus
from .overrides import PinnedTheme, ThemeOverrides
from .redact import clean_for_clustering
from .weekly import WeeklySettings, week_start, weekly_series


@dataclass(frozen=True)
class ThemeSettings:
    features: FeatureSettings = field(default_factory=FeatureSettings)
    clustering: ClusterSettings = field(default_factory=ClusterSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    weekly: WeeklySettings = field(default_factory=WeeklySettings)
    body_chars: int = 300  # the opening of the first message carries the request
    # A theme is mapped to the ticket category most of its tickets share, above this share.
    area_majority: float = 0.5
    # BLAS threads during a run. On a busy 2-core host, 2 OpenBLAS threads ran the SVD and
    # spectral steps 2-10x slower than 1 (spin-waiting against other processes). None: no limit.
    blas_threads: int | None = 1
    # Key phrases are computed on about this many tickets (an equal share per theme): plenty
    # for word statistics, and it cuts a 100k-ticket run's labelling time by two thirds.
    label_sample: int = 30_000


NO_OVERRIDES = ThemeOverrides()
TITLE_CANDIDATES = 10  # central members whose subjects may name the theme
# Docs embedded (and cached) per step: a multiple of the embedders' batch sizes (256, 128), so a cold
# run's batches are the same as embedding everything at once.
EMBED_CHUNK = 8192
_TAG_CHARS = re.compile(r"[^a-z0-9]+")


def ticket_text(doc: ThemeDoc, body_chars: int = ThemeSettings.body_chars) -> str:
    """Cleaned subject plus the opening of the first message: what is embedded and cached."""
    body = doc.body[:body_chars]
    return clean_for_clustering(f"{doc.subject}. {body}" if body else doc.subject)


def build_themes(
    docs: Sequence[ThemeDoc],
    *,
    now: datetime,
    tz: ZoneInfo,
    embedder: Embedder,
    cache: VectorCache | None = None,
    previous: Sequence[KnownTheme] = (),
    overrides: ThemeOverrides = NO_OVERRIDES,
    k: int | None = None,
    seed: int = 0,
    settings: ThemeSettings = ThemeSettings(),
) -> ThemeRun:
    """Themes over `docs` (typically the last weeks of tickets), with ids stable against `previous`."""
    with threadpool_limits(limits=settings.blas_threads, user_api="blas"):
        return _build(docs, now=now, tz=tz, embedder=embedder, cache=cache, previous=previous, overrides=overrides, k=k, seed=seed, settings=settings)


def _build(
    docs: Sequence[ThemeDoc],
    *,
    now: datetime,
    tz: ZoneInfo,
    embedder: Embedder,
    cache: VectorCache | None,
    previous: Sequence[KnownTheme],
    overrides: ThemeOverrides,
    k: int | None,
    seed: int,
    settings: ThemeSettings,
) -> ThemeRun:
    texts = [ticket_text(d, settings.body_chars) for d in docs]
    embeddings, embedded = embed_with_cache(docs, texts, embedder=embedder, cache=cache)
    pinned_of = assign_pinned(docs, texts, overrides.pinned)
    free = np.array([i for i in range(len(docs)) if pinned_of[i] is None], dtype=np.int64)
    k = k or auto_k(len(free))
    members = _cluster_free(docs, texts, embeddings, free, k=k, seed=seed, settings=settings)
    centroids = _centroids(embeddings, members)
    identity = _identify(docs, members, centroids, pinned_of, embedder=embedder.name, previous=previous,
                         overrides=overrides, settings=settings.identity)
    run = _Run(docs, embeddings, [week_start(d.created_at, tz) for d in docs], now=now, tz=tz, embedder=embedder,
               overrides=overrides, known_by_id={t.id: t for t in previous}, settings=settings)
    themes = _themes(run, texts, identity, seed=seed)
    return ThemeRun(
        themes=tuple(themes),
        assignments={tid: theme.id for theme in themes for tid in theme.ticket_ids},
        embedder=embedder.name,
        k=k,
        embedded=embedded,
        cached=len(docs) - embedded,
        known=tuple(_remembered(t, identity.own_cluster, centroids, members, docs) for t in themes)
        + tuple(identity.merged_away),
    )


def _cluster_free(docs: Sequence[ThemeDoc], texts: Sequence[str], embeddings: np.ndarray, free: np.ndarray, *,
                  k: int, seed: int, settings: ThemeSettings) -> list[np.ndarray]:
    """The unpinned docs' clusters (rows into `docs`): embeddings joined with lexical features of the
    text and tag tokens; one cluster when there is room for no more."""
    if not len(free):
        return []
    if min(k, len(free)) <= 1:
        labels = np.zeros(len(free), dtype=np.int64)
    else:
        vectors = ClusteringVectors(embeddings, free, [texts[i] + tag_tokens(docs[i]) for i in free],
                                    settings=settings.features, seed=seed)
        labels = cluster_rows(len(vectors), vectors.take, k, seed=seed, settings=settings.clustering)
    return [free[labels == c] for c in range(int(labels.max()) + 1)]


@dataclass(frozen=True)
class _Identity:
    """Clusters named by earlier theme ids, after merges; pinned themes first, in pin order."""

    groups: dict[str, list[int]]  # final theme id -> rows into docs
    merged_from: dict[str, list[str]]  # merge target -> the ids merged into it
    merged_away: list[KnownTheme]  # themes merged away, remembered under their own id and centroid
    own_cluster: dict[str, int]  # matched theme id -> its cluster
    matched_ids: set[str]  # ids matched to an earlier theme


def _identify(docs: Sequence[ThemeDoc], members: Sequence[np.ndarray], centroids: np.ndarray,
              pinned_of: Sequence[str | None], *, embedder: str, previous: Sequence[KnownTheme],
              overrides: ThemeOverrides, settings: IdentitySettings) -> _Identity:
    """Clusters -> earlier theme ids (pinned ids are reserved), then merges."""
    pinned_ids = {p.id for p in overrides.pinned}
    matches = match_clusters(
        centroids,
        [frozenset(docs[i].ticket_id for i in rows) for rows in members],
        embedder=embedder,
        previous=[t for t in previous if t.id not in pinned_ids],
        reserved_ids=sorted(pinned_ids),
        settings=settings,
    )
    groups: dict[str, list[int]] = {p.id: [] for p in overrides.pinned}
    for i, pin in enumerate(pinned_of):
        if pin is not None:
            groups[pin].append(i)
    known_by_id = {t.id: t for t in previous}
    merged_from: dict[str, list[str]] = {}
    # A theme merged away is still remembered under its own id and centroid, so next week
    # its cluster matches it again and the merge applies again (instead of a fresh id).
    merged_away: list[KnownTheme] = []
    for match in matches:
        final = overrides.final_id(match.theme_id)
        groups.setdefault(final, []).extend(members[match.cluster].tolist())
        if final != match.theme_id:
            merged_from.setdefault(final, []).append(match.theme_id)
            source = known_by_id.get(match.theme_id)
            merged_away.append(KnownTheme(
                id=match.theme_id,
                name=source.name if source else match.theme_id,
                embedder=embedder,
                centroid=to_blob(centroids[match.cluster]),
                first_seen=source.first_seen if source else None,
                ticket_ids=frozenset(docs[i].ticket_id for i in members[match.cluster]),
            ))
    return _Identity(groups, merged_from, merged_away, own_cluster={m.theme_id: m.cluster for m in matches},
                     matched_ids={m.theme_id for m in matches if m.known is not None})


@dataclass(frozen=True)
class _Run:
    """What drawing each theme reads: the run's docs, vectors and weeks, and its inputs."""

    docs: Sequence[ThemeDoc]
    embeddings: np.ndarray
    doc_weeks: list[date]  # week_start of each doc
    now: datetime
    tz: ZoneInfo
    embedder: Embedder
    overrides: ThemeOverrides
    known_by_id: dict[str, KnownTheme]
    settings: ThemeSettings

    @property
    def history_start(self) -> date | None:
        return min(self.doc_weeks, default=None)


def _themes(run: _Run, texts: Sequence[str], identity: _Identity, *, seed: int) -> list[Theme]:
    """One theme per group (a pinned one even without tickets), largest first."""
    group_ids = list(identity.groups)
    group_rows = [np.array(sorted(identity.groups[g]), dtype=np.int64) for g in group_ids]
    phrases = _group_phrases(texts, group_rows, sample=run.settings.label_sample, seed=seed)
    pins = {p.id: p for p in run.overrides.pinned}
    history_start = run.history_start  # once: min over every doc
    themes = [_theme(run, theme_id, rows, phrases[index] if index < len(phrases) else (), identity,
                     pin=pins.get(theme_id), history_start=history_start)
              for index, (theme_id, rows) in enumerate(zip(group_ids, group_rows))
              if len(rows) or theme_id in pins]
    themes.sort(key=lambda t: (-t.count, t.id))
    return themes


def _group_phrases(texts: Sequence[str], group_rows: Sequence[np.ndarray], *, sample: int,
                   seed: int) -> list[tuple[str, ...]]:
    """Each group's key phrases, from an equal-share sample of its tickets."""
    if not texts:
        return []
    group_labels = np.empty(len(texts), dtype=np.int64)
    for index, rows in enumerate(group_rows):
        group_labels[rows] = index
    phrase_rows = _label_sample(group_rows, sample, seed)
    return key_phrases([texts[i] for i in phrase_rows], group_labels[phrase_rows], n_clusters=len(group_rows))


def _theme(run: _Run, theme_id: str, rows: np.ndarray, phrases: tuple[str, ...], identity: _Identity, *,
           pin: PinnedTheme | None, history_start: date | None) -> Theme:
    """One theme: named by override, pin, earlier name or its clearest central subject; counted by week."""
    embedder, overrides = run.embedder, run.overrides
    centroid = _centroids(run.embeddings, [rows])[0] if len(rows) else np.zeros(embedder.dim, np.float32)
    theme_docs = [run.docs[i] for i in rows]
    central = central_indices(run.embeddings[rows], centroid, TITLE_CANDIDATES) if len(rows) else ()
    label = (title_from_subjects([redact(theme_docs[i].subject) for i in central], phrases)
             or label_from_phrases(phrases))
    known = run.known_by_id.get(theme_id)
    weeks = weekly_series(theme_docs, now=run.now, tz=run.tz, history_start=history_start,
                          settings=run.settings.weekly, doc_weeks=[run.doc_weeks[i] for i in rows])
    first_seen = known.first_seen if known and known.first_seen else min((run.doc_weeks[i] for i in rows), default=None)
    return Theme(
        id=theme_id,
        name=overrides.rename.get(theme_id) or (pin.name if pin else None) or (known.name if known else label),
        label=label,
        key_phrases=phrases,
        representative=redact(theme_docs[int(central[0])].subject) if len(rows) else "",
        product_area=(overrides.product_areas.get(theme_id) or (pin.product_area if pin else None)
                      or _majority_area(theme_docs, run.settings.area_majority)),
        status=_status(theme_id in identity.matched_ids or pin is not None or known is not None, first_seen, weeks),
        pinned=pin is not None,
        first_seen=first_seen,
        ticket_ids=tuple(d.ticket_id for d in theme_docs),
        weeks=weeks,
        embedder=embedder.name,
        centroid=to_blob(centroid),
        merged_from=tuple(identity.merged_from.get(theme_id, ())),
    )


def embed_with_cache(docs: Sequence[ThemeDoc], texts: Sequence[str], *, embedder: Embedder, cache: VectorCache | None,
                     chunk: int = EMBED_CHUNK) -> tuple[np.ndarray, int]:
    """Vectors for all docs, embedding only cache misses. Returns (vectors, number embedded).

    Works `chunk` docs at a time into one preallocated float32 array, so keys, cached blobs and
    fresh vectors never exist for every doc at once."""
    vectors = np.empty((len(docs), embedder.dim), dtype=np.float32)
    embedded = 0
    for start in range(0, len(docs), chunk):
        stop = min(start + chunk, len(docs))
        embedded += _embed_chunk(docs[start:stop], texts[start:stop], vectors[start:stop], embedder=embedder,
                                 cache=cache)
    return vectors, embedded


def _embed_chunk(docs: Sequence[ThemeDoc], texts: Sequence[str], out: np.ndarray, *, embedder: Embedder,
                 cache: VectorCache | None) -> int:
    """Fill `out` (one row per doc) from the cache or the embedder; the number embedded."""
    keys = [cache_key(d.ticket_id, t) for d, t in zip(docs, texts)]
    stored = cache.get_many(embedder.name, keys) if cache is not None else {}
    missing = []
    for row, key in enumerate(keys):
        blob = stored.get(key)
        if blob is not None and len(blob) == 4 * embedder.dim:
            out[row] = from_blob(blob)
        else:
            missing.append(row)
    if missing:
        fresh = embedder.embed([texts[row] for row in missing])
        out[missing] = fresh
        if cache is not None:
            cache.put_many(embedder.name, {keys[row]: to_blob(fresh[i]) for i, row in enumerate(missing)})
    return len(missing)


def assign_pinned(docs: Sequence[ThemeDoc], texts: Sequence[str], pins: Sequence[PinnedTheme]) -> list[str | None]:
    """The pinned theme id each doc belongs to (first matching pin wins), else None."""
    if not pins:
        return [None] * len(docs)
    term_patterns = [(p.id, re.compile(r"\b(?:" + "|".join(re.escape(t) for t in p.terms) + r")\b")) for p in pins if p.terms]
    tags = [(p.id, {t.lower() for t in p.tags}) for p in pins if p.tags]
    result: list[str | None] = []
    for doc, text in zip(docs, texts):
        doc_tags = {t.lower() for t in doc.tags}
        hit = next((pid for pid, wanted in tags if doc_tags & wanted), None)
        hit = hit or next((pid for pid, pattern in term_patterns if pattern.search(text)), None)
        result.append(hit)
    return result


def tag_tokens(doc: ThemeDoc) -> str:
    """Tags and category as single tokens, so 'billing' the tag is not 'billing' the word."""
    labels = [*doc.tags, *([doc.category] if doc.category else [])]
    return "".join(f" tag_{_TAG_CHARS.sub('_', t.lower()).strip('_')}" for t in labels if t)


def _remembered(theme: Theme, own_cluster: dict[str, int], centroids: np.ndarray, members: Sequence[np.ndarray], docs: Sequence[ThemeDoc]) -> KnownTheme:
    """A merge target is remembered by its own cluster: the union's centroid would sit between
    the merged themes and could swap ids with the theme merged into it next week."""
    known = theme.to_known()
    if not theme.merged_from or theme.id not in own_cluster:
        return known
    cluster = own_cluster[theme.id]
    return replace(known, centroid=to_blob(centroids[cluster]), ticket_ids=frozenset(docs[i].ticket_id for i in members[cluster]))


def _label_sample(group_rows: Sequence[np.ndarray], size: int, seed: int) -> np.ndarray:
    """Up to an equal share of `size` rows from every group, so small themes keep their words."""
    cap = max(50, size // max(len(group_rows), 1))
    rng = np.random.default_rng(seed)
    picked = [rows if len(rows) <= cap else rng.choice(rows, cap, replace=False) for rows in group_rows]
    return np.sort(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.int64)


def _centroids(embeddings: np.ndarray, members: Sequence[np.ndarray]) -> np.ndarray:
    if not members:
        return np.zeros((0, embeddings.shape[1]), dtype=np.float32)
    means = np.vstack([embeddings[rows].mean(axis=0) if len(rows) else np.zeros(embeddings.shape[1]) for rows in members])
    return normalize(means).astype(np.float32)


def _majority_area(docs: Sequence[ThemeDoc], share: float) -> str | None:
    areas = Counter(d.category for d in docs if d.category)
    if not areas:
        return None
    area, count = areas.most_common(1)[0]
    return area if count / len(docs) > share else None


def _status(known: bool, first_seen, weeks) -> ThemeStatus:
    if not known:
        return ThemeStatus.NEW
    latest = weeks[-1] if weeks else None
    if latest is None or not latest.notable or latest.direction != "up":
        return ThemeStatus.ONGOING
    young = first_seen is not None and first_seen >= latest.week_start - timedelta(weeks=4)
    doubled = latest.baseline is not None and latest.count >= 2 * latest.baseline
    return ThemeStatus.EMERGING if young or doubled else ThemeStatus.ONGOING
