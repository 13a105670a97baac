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
from scipy import sparse
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
    # Texts transformed per step once fitted: a 300k-ticket run never holds all its TF-IDF rows.
    chunk: int = 20_000


@dataclass(frozen=True)
class LexicalModel:
    """One fitted TF-IDF vectorizer and its SVD; `fitted` is the TF-IDF of every text when the fit saw all."""

    vectorizer: TfidfVectorizer
    svd: TruncatedSVD
    fitted: sparse.csr_matrix | None

    @property
    def dims(self) -> int:
        return int(self.svd.n_components)

    def reduce(self, texts: Sequence[str], index: np.ndarray) -> np.ndarray:
        """Unit-length SVD-reduced TF-IDF of `texts[index]` (row by row: the same values in any batch)."""
        tfidf = self.fitted[index] if self.fitted is not None else self.vectorizer.transform([texts[i] for i in index])
        return normalize(self.svd.transform(tfidf))


def fit_lexical(texts: Sequence[str], *, settings: FeatureSettings, seed: int) -> list[LexicalModel]:
    """Word (1-2 gram) TF-IDF + SVD fitted on up to `fit_size` of `texts` (empty if no vocabulary)."""
    rng = np.random.default_rng(seed)
    fit_all = len(texts) <= settings.fit_size
    fit_rows = np.arange(len(texts)) if fit_all else rng.choice(len(texts), settings.fit_size, replace=False)
    fit_texts = [texts[i] for i in fit_rows]
    min_df = 2 if len(fit_texts) >= 50 else 1
    vectorizers = (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, dtype=np.float32),)
    models = []
    for vectorizer in vectorizers:
        try:
            fitted = vectorizer.fit_transform(fit_texts)
        except ValueError:  # empty vocabulary, e.g. every text was redacted away
            continue
        dims = min(settings.svd_dims, fitted.shape[1] - 1, len(fit_texts) - 1)
        if dims < 2:
            continue
        svd = TruncatedSVD(dims, algorithm="randomized", n_iter=4, random_state=seed).fit(fitted)
        models.append(LexicalModel(vectorizer, svd, fitted.tocsr() if fit_all else None))
    return models


def lexical_features(texts: Sequence[str], *, settings: FeatureSettings, seed: int) -> list[np.ndarray]:
    """Unit-length SVD-reduced word (1-2 gram) TF-IDF, as a list of blocks (empty if no vocabulary)."""
    blocks = []
    for model in fit_lexical(texts, settings=settings, seed=seed):
        block = np.empty((len(texts), model.dims), dtype=np.float32)
        for start in range(0, len(texts), settings.chunk):
            block[start:start + settings.chunk] = model.reduce(texts, np.arange(start, min(start + settings.chunk, len(texts))))
        blocks.append(block)
    return blocks


def combine(embeddings: np.ndarray, lexical: Sequence[np.ndarray], *, weight: float) -> np.ndarray:
    """Concatenate unit-length blocks, weighting the lexical ones, then re-normalise rows."""
    parts = [embeddings.astype(np.float32, copy=False)] + [weight * block for block in lexical]
    return normalize(np.hstack(parts)).astype(np.float32, copy=False)


class ClusteringVectors:
    """The rows of `combine(embeddings[rows], lexical_features(texts), ...)` (texts[i] belongs to rows[i]),
    built only when asked for: clustering reads a sample and then batches, so a 300k-ticket run never holds
    the whole (n, 384) matrix. `take(index)` equals that matrix's `[index]`, value for value."""

    def __init__(self, embeddings: np.ndarray, rows: np.ndarray, texts: Sequence[str], *, settings: FeatureSettings,
                 seed: int) -> None:
        self._embeddings, self._rows, self._texts = embeddings, rows, texts
        self._models = fit_lexical(texts, settings=settings, seed=seed)
        self._weight = settings.lexical_weight
        self.dim = embeddings.shape[1] + sum(m.dims for m in self._models)

    def __len__(self) -> int:
        return len(self._rows)

    def take(self, index: np.ndarray) -> np.ndarray:
        out = np.empty((len(index), self.dim), dtype=np.float32)
        column = self._embeddings.shape[1]
        out[:, :column] = self._embeddings[self._rows[index]]
        for model in self._models:
            block = out[:, column:column + model.dims]
            block[:] = model.reduce(self._texts, index)
            block *= self._weight
            column += model.dims
        return normalize(out, copy=False)
