"""Readable theme labels: class-based TF-IDF key phrases, and a title in customers' own words.

Key phrases are contiguous runs of one to three words inside one sentence that
neither start nor end with a stop word ("payment failed", "new billing page";
never "failed new", which the words only form once "on the" is dropped). A
longer phrase that carries most of a shorter one's weight replaces it
("reset link" → "password reset link").

The label is the clearest subject among the tickets nearest the theme's centre:
the one that says most of the top key phrases, in a few words ("Payment failed
on the new billing page"). Only when no central subject says any of them does
the label fall back to the phrases themselves ("Payment failed / billing page").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

# Support tickets are full of politeness and filler that c-TF-IDF would otherwise rank high.
_FILLER = frozenset({"hi", "hello", "thanks", "thank", "please", "pls", "hey", "regards", "help", "need", "want", "know", "like", "just", "tell", "dear", "team", "ok", "okay", "question"})
# Contractions are function words too: "don't" alone is no topic, and no phrase should end on one.
_CONTRACTIONS = frozenset({"don't", "doesn't", "didn't", "can't", "cannot", "won't", "isn't", "aren't", "wasn't", "i'm", "it's", "i've", "i'd", "there's", "what's"})
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | _FILLER
_EDGE_STOP = STOP_WORDS | _CONTRACTIONS
_TOKEN = re.compile(r"[a-z][a-z0-9_'-]+")
_SENTENCE = re.compile(r"[.!?,;:()\[\]{}\"“”|/\n]+")
MAX_WORDS = 3
ABSORB = 0.6  # a longer phrase replaces a chosen shorter one when it scores at least this share of it
TITLE_WORDS = (2, 12)  # a usable title has this many words
TITLE_CHARS = 80


def phrase_candidates(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """Contiguous 1–`max_words`-word phrases within one sentence, without a stop word at either end."""
    out: list[str] = []
    for sentence in _SENTENCE.split(text):
        tokens = _TOKEN.findall(sentence)
        for i, first in enumerate(tokens):
            if first in _EDGE_STOP:
                continue
            for j in range(i, min(len(tokens), i + max_words)):
                if tokens[j] not in _EDGE_STOP:
                    out.append(" ".join(tokens[i:j + 1]))
    return out


def key_phrases(texts: Sequence[str], labels: np.ndarray, *, n_clusters: int | None = None, top: int = 5) -> list[tuple[str, ...]]:
    """Per cluster, the phrases most specific to it (c-TF-IDF as in BERTopic).

    `texts` must already be cleaned (redacted, lower-cased), so phrases never carry ids.
    """
    if n_clusters is None:
        n_clusters = int(labels.max()) + 1 if len(labels) else 0
    vectorizer = CountVectorizer(analyzer=phrase_candidates, min_df=1)
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
    out = []
    for row in scores:
        order = np.argsort(-row)[: top * 10]
        out.append(_distinct(vocabulary[order], row[order], top))
    return out


def _distinct(ranked: np.ndarray, scores: np.ndarray, top: int) -> tuple[str, ...]:
    """The best phrases, each adding a word: 'refund' is skipped after 'refund request', and a longer
    phrase nearly as strong as a chosen one it contains takes its place ('payment' → 'payment failed')."""
    chosen: list[tuple[str, float]] = []
    for phrase, score in zip(ranked, scores):
        if score <= 0:
            break
        phrase = str(phrase)
        padded = f" {phrase} "
        inside = [k for k, (c, s) in enumerate(chosen) if f" {c} " in padded and score >= ABSORB * s]
        if inside:
            keep = inside[0]
            chosen[keep] = (phrase, chosen[keep][1])
            chosen = [c for k, c in enumerate(chosen) if k == keep or f" {c[0]} " not in padded]
            continue
        covered = {w for c, _ in chosen for w in c.split()}
        if set(phrase.split()) <= covered:
            continue
        if len(chosen) < top:
            chosen.append((phrase, float(score)))
    return tuple(c for c, _ in chosen)


def label_from_phrases(phrases: Sequence[str], *, parts: int = 2) -> str:
    return " / ".join(phrases[:parts]).capitalize() if phrases else "Unlabelled"


def title_from_subjects(subjects: Sequence[str], phrases: Sequence[str], *, parts: int = 3) -> str | None:
    """The clearest of `subjects` (redacted, most central first) as a title, or None.

    Clearest: says the most words of the top `parts` key phrases, then the fewest extra words,
    then the most central. A subject saying none of them, with placeholders, or too short or
    long to read as a title is never chosen.
    """
    wanted = [set(p.split()) for p in phrases[:parts]]
    if not wanted:
        return None
    best: tuple[tuple[float, int, int], str] | None = None
    for rank, subject in enumerate(subjects):
        title = " ".join(subject.split()).strip(" .,-:;")
        words = _TOKEN.findall(title.lower())
        if not (TITLE_WORDS[0] <= len(words) <= TITLE_WORDS[1]) or len(title) > TITLE_CHARS or "[" in title:
            continue
        said = set(words)
        # Earlier phrases weigh more: the top phrase is what the theme is most about.
        hit = sum((len(w & said) / len(w)) * (parts - i) for i, w in enumerate(wanted))
        if hit <= 0:
            continue
        key = (hit, -len(words), -rank)
        if best is None or key > best[0]:
            best = (key, title)
    if best is None:
        return None
    title = best[1]
    first = title.split()[0]
    # Capitalise a lower-case opening word; leave "iOS", "SSO" or "eBay" as their writers spelt them.
    return title[0].upper() + title[1:] if first.islower() and first[:1].isalpha() else title


def central_indices(vectors: np.ndarray, centroid: np.ndarray, count: int) -> np.ndarray:
    """Rows of the `count` members most similar to the centroid, most similar first."""
    similarity = vectors @ centroid
    if len(similarity) <= count:
        return np.argsort(-similarity, kind="stable")
    part = np.argpartition(-similarity, count)[:count]
    return part[np.argsort(-similarity[part], kind="stable")]
