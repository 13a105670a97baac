"""The memory-lean paths of a run (issue 16.5) give the values of the whole-matrix ones, value for value."""

from __future__ import annotations

import numpy as np
import pytest

from bot.themes import InMemoryVectorCache
from bot.themes.cluster import ClusterSettings, cluster_rows
from bot.themes.features import ClusteringVectors, FeatureSettings, combine, lexical_features
from bot.themes.pipeline import embed_with_cache, ticket_text

from .factories import CountingEmbedder, topic_docs


@pytest.mark.parametrize("fit_size", [100, 10_000], ids=["fit-on-a-sample", "fit-on-all"])
def test_clustering_vectors_are_the_rows_of_the_combined_matrix(fit_size: int) -> None:
    docs = topic_docs(60)
    texts = [ticket_text(d) for d in docs]
    embeddings = CountingEmbedder().embed(texts)
    rows = np.random.default_rng(3).permutation(len(docs))[:150]
    row_texts = [texts[i] for i in rows]
    settings = FeatureSettings(fit_size=fit_size, chunk=32)
    whole = combine(embeddings[rows], lexical_features(row_texts, settings=settings, seed=0),
                    weight=settings.lexical_weight)
    vectors = ClusteringVectors(embeddings, rows, row_texts, settings=settings, seed=0)
    assert len(vectors) == 150 and vectors.dim == whole.shape[1] > embeddings.shape[1]
    picked = np.array([149, 0, 77, 3, 3])
    assert np.array_equal(vectors.take(picked), whole[picked])
    assert np.array_equal(vectors.take(np.arange(150)), whole)


def test_rows_outside_the_sample_are_assigned_in_batches_with_the_same_labels() -> None:
    docs = topic_docs(60)
    vectors = CountingEmbedder().embed([ticket_text(d) for d in docs])
    asked: list[int] = []

    def take(index: np.ndarray) -> np.ndarray:
        asked.append(len(index))
        return vectors[index]

    batched = cluster_rows(len(vectors), take, 3, seed=0, settings=ClusterSettings(sample_size=40, assign_batch=16))
    whole = cluster_rows(len(vectors), vectors.__getitem__, 3, seed=0,
                         settings=ClusterSettings(sample_size=40, assign_batch=10_000))
    assert asked[0] == 40 and max(asked[1:]) == 16 and sum(asked) == len(vectors)
    assert np.array_equal(batched, whole) and len(set(batched.tolist())) == 3


def test_embedding_in_chunks_fills_and_reads_the_cache_like_one_pass() -> None:
    docs = topic_docs(20)
    texts = [ticket_text(d) for d in docs]
    runs = []
    for chunk in (7, 10_000):
        embedder, cache = CountingEmbedder(), InMemoryVectorCache()
        embed_with_cache(docs[::2], texts[::2], embedder=embedder, cache=cache, chunk=chunk)  # half cached
        vectors, embedded = embed_with_cache(docs, texts, embedder=embedder, cache=cache, chunk=chunk)
        runs.append((vectors, embedded, len(cache), max(embedder.calls)))
    (chunked, embedded, cached, largest), (whole, embedded_once, cached_once, _) = runs
    assert np.array_equal(chunked, whole) and vectors.dtype == np.float32
    assert embedded == embedded_once == len(docs) // 2 and cached == cached_once == len(docs)
    assert largest <= 7
