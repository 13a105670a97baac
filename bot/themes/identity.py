"""Stable theme identities across runs.

Each run clusters from scratch; this module decides which new cluster *is* which earlier
theme. Similarity is the larger of centroid cosine (same embedder only: vectors from
different models are not comparable) and the share of the cluster's tickets that belonged
to the earlier theme. A one-to-one Hungarian assignment above a threshold keeps ids; the
rest get fresh ids and are flagged new.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from .cache import from_blob
from .models import KnownTheme


@dataclass(frozen=True)
class Match:
    cluster: int
    theme_id: str
    known: KnownTheme | None  # None: a new theme
    similarity: float


@dataclass(frozen=True)
class IdentitySettings:
    # Centroid cosine or ticket overlap needed to keep an id. On CLINC150, halves of one intent
    # score a median 0.93 (wordllama) while 99% of pairs of different intents stay below 0.52.
    min_similarity: float = 0.7
    id_prefix: str = "T"


def match_clusters(
    centroids: np.ndarray,
    members: Sequence[frozenset[str]],
    *,
    embedder: str,
    previous: Sequence[KnownTheme],
    reserved_ids: Sequence[str] = (),
    settings: IdentitySettings = IdentitySettings(),
) -> list[Match]:
    """One Match per cluster row of `centroids` (unit length, in `embedder` space)."""
    similarity = similarity_matrix(centroids, members, embedder=embedder, previous=previous)
    matched: dict[int, tuple[KnownTheme, float]] = {}
    if similarity.size:
        rows, cols = linear_sum_assignment(-similarity)
        for row, col in zip(rows, cols):
            if similarity[row, col] >= settings.min_similarity:
                matched[int(row)] = (previous[col], float(similarity[row, col]))
    fresh = _fresh_ids([t.id for t in previous] + list(reserved_ids), settings.id_prefix)
    # Larger new themes get the lower ids, so ids read roughly by size on a first run.
    unmatched = sorted((c for c in range(len(centroids)) if c not in matched), key=lambda c: -len(members[c]))
    new_ids = {cluster: next(fresh) for cluster in unmatched}
    result = []
    for cluster in range(len(centroids)):
        if cluster in matched:
            known, score = matched[cluster]
            result.append(Match(cluster, known.id, known, score))
        else:
            result.append(Match(cluster, new_ids[cluster], None, 0.0))
    return result


def similarity_matrix(centroids: np.ndarray, members: Sequence[frozenset[str]], *, embedder: str, previous: Sequence[KnownTheme]) -> np.ndarray:
    scores = np.zeros((len(centroids), len(previous)), dtype=np.float64)
    for col, known in enumerate(previous):
        if known.embedder == embedder and known.centroid:
            vector = from_blob(known.centroid)
            if vector.shape[0] == centroids.shape[1]:
                scores[:, col] = centroids @ vector
        if known.ticket_ids:
            overlap = np.array([len(m & known.ticket_ids) / max(len(m), 1) for m in members])
            scores[:, col] = np.maximum(scores[:, col], overlap)
    return scores


def _fresh_ids(taken: Sequence[str], prefix: str):
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbers = [int(m.group(1)) for t in taken if (m := pattern.match(t))]
    used = set(taken)
    number = max(numbers, default=0)
    while True:
        number += 1
        candidate = f"{prefix}{number:04d}"
        if candidate not in used:
            yield candidate
