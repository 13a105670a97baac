"""Readable theme labels: class-based TF-IDF key phrases plus one representative subject."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

# Support tickets are full of politeness and filler that c-TF-IDF would otherwise rank high.
_FILLER = frozenset({"hi", "hello", "thanks", "thank", "please", "pls", "hey", "regards", "help", "need", "want", "know", "like", "just", "tell", "dear", "team", "ok", "okay", "question"})
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | _FILLER


def key_phrases(texts: Sequence[str], labels: np.ndarray, *, n_clusters: int | None = None, top: int = 5) -> list[tuple[str, ...]]:
    """Per cluster, the words and bigrams most specific to it (c-TF-IDF as in BERTopic).

    `texts` must already be cleaned (redacted, lower-cased), so phrases never carry ids.
    """
    if n_clusters is None:
        n_clusters = int(labels.max()) + 1 if len(labels) else 0
    vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words=sorted(STOP_WORDS), token_pattern=r"(?u)\b[a-z][a-z0-9_'-]+\b", min_df=1)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return [() for _ in range(n_clusters)]
    vocabulary = vectorizer.get_feature_names_out()
    # Sum term counts per cluster: one "document" per cluster.
    membership = np.zeros((n_clusters, len(texts)), dtype=np.float32)
    membership[labels, np.arange(len(texts))] = 1.0
    per_cluster = np.asarray((counts.T @ membership.T).T)
    term_frequency = per_cluster / np.maximum(per_cluster.sum(axis=1, keepdims=True), 1.0)
    average_words = per_cluster.sum() / max(n_clusters, 1)
    inverse = np.log1p(average_words / np.maximum(per_cluster.sum(axis=0), 1.0))
    scores = term_frequency * inverse
    return [_distinct(vocabulary[np.argsort(-row)], row[np.argsort(-row)], top) for row in scores]


def _distinct(ranked: np.ndarray, scores: np.ndarray, top: int) -> tuple[str, ...]:
    """Skip a phrase whose words all appear in phrases already chosen ('refund' after 'refund request')."""
    chosen: list[str] = []
    covered: set[str] = set()
    for phrase, score in zip(ranked, scores):
        if score <= 0 or len(chosen) == top:
            break
        words = set(phrase.split())
        if words <= covered:
            continue
        chosen.append(str(phrase))
        covered |= words
    return tuple(chosen)


def label_from_phrases(phrases: Sequence[str], *, parts: int = 2) -> str:
    return " / ".join(phrases[:parts]).capitalize() if phrases else "Unlabelled"


def representative_index(vectors: np.ndarray, centroid: np.ndarray) -> int:
    """Row of the member most similar to the centroid (vectors and centroid unit length)."""
    return int(np.argmax(vectors @ centroid))
