"""Per-run lexical features and the combined representation that is clustered.

Word TF-IDF (1-2 grams) catches exact product vocabulary ("invoice", "sso", error names)
that a small static embedding blurs; the embedding catches paraphrases that share no words.
On CLINC150 the combination beats either alone (see bench/RESULTS.md). Character n-grams
were measured too: no better on top of this, and 5x slower to vectorise at 100k tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


@dataclass(frozen=True)
class FeatureSettings:
    svd_dims: int = 128  # 256 measured no better on CLINC150 and costs twice the SVD time
    # Vocabulary and SVD are fitted on at most this many texts, then applied to all.
    fit_size: int = 20_000
    # Weight of each TF-IDF block against the unit-length embedding block.
    lexical_weight: float = 0.5


def lexical_features(texts: Sequence[str], *, settings: FeatureSettings, seed: int) -> list[np.ndarray]:
    """Unit-length SVD-reduced word (1-2 gram) TF-IDF, as a list of blocks (empty if no vocabulary)."""
    rng = np.random.default_rng(seed)
    fit_rows = np.arange(len(texts)) if len(texts) <= settings.fit_size else rng.choice(len(texts), settings.fit_size, replace=False)
    fit_texts = [texts[i] for i in fit_rows]
    min_df = 2 if len(fit_texts) >= 50 else 1
    vectorizers = (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, dtype=np.float32),)
    blocks = []
    for vectorizer in vectorizers:
        try:
            fitted = vectorizer.fit_transform(fit_texts)
        except ValueError:  # empty vocabulary, e.g. every text was redacted away
            continue
        dims = min(settings.svd_dims, fitted.shape[1] - 1, len(fit_texts) - 1)
        if dims < 2:
            continue
        svd = TruncatedSVD(dims, algorithm="randomized", n_iter=4, random_state=seed).fit(fitted)
        reduced = svd.transform(vectorizer.transform(texts) if len(fit_rows) < len(texts) else fitted)
        blocks.append(normalize(reduced).astype(np.float32, copy=False))
    return blocks


def combine(embeddings: np.ndarray, lexical: Sequence[np.ndarray], *, weight: float) -> np.ndarray:
    """Concatenate unit-length blocks, weighting the lexical ones, then re-normalise rows."""
    parts = [embeddings.astype(np.float32, copy=False)] + [weight * block for block in lexical]
    return normalize(np.hstack(parts)).astype(np.float32, copy=False)
