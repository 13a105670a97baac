"""Theme clustering quality on CLINC150 (4,500 in-scope test texts, k = 150), 3 seeds.

    .venv/bin/python bench/themes_quality.py [--methods default,baseline-wordllama,...] [--data DIR]

Prints NMI, ARI and Hungarian-matched accuracy per method and seed, then the mean.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import normalize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.themes.cluster import cluster
from bot.themes.embed import Embedder, load_embedder, sentence_transformer_available
from bot.themes.features import FeatureSettings, combine, lexical_features
from bot.themes.redact import clean_for_clustering

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "clinc150"
SEEDS = (0, 1, 2)
K = 150


def load_clinc(data_dir: Path) -> tuple[list[str], np.ndarray]:
    rows = json.loads((data_dir / "data_full.json").read_text())["test"]
    names = sorted({label for _, label in rows})
    index = {name: i for i, name in enumerate(names)}
    return [text for text, _ in rows], np.array([index[label] for _, label in rows])


def hungarian_accuracy(truth: np.ndarray, predicted: np.ndarray) -> float:
    table = np.zeros((predicted.max() + 1, truth.max() + 1))
    np.add.at(table, (predicted, truth), 1)
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / len(truth))


def signalroom(embedder: Embedder) -> Callable[[list[str], int], np.ndarray]:
    """The shipped pipeline: cleaned text, embedding + word/char TF-IDF, spectral + refine."""
    settings = FeatureSettings()

    def run(texts: list[str], seed: int) -> np.ndarray:
        cleaned = [clean_for_clustering(t) for t in texts]
        vectors = combine(embedder.embed(cleaned), lexical_features(cleaned, settings=settings, seed=seed), weight=settings.lexical_weight)
        return cluster(vectors, K, seed=seed)

    return run


def kmeans_on(embedder: Embedder) -> Callable[[list[str], int], np.ndarray]:
    """Reference point: plain k-means on the static vectors."""
    return lambda texts, seed: KMeans(K, n_init=3, random_state=seed).fit_predict(embedder.embed(texts))


def tfidf_svd_kmeans(texts: list[str], seed: int) -> np.ndarray:
    tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(texts)
    reduced = normalize(TruncatedSVD(100, random_state=seed).fit_transform(tfidf))
    return KMeans(K, n_init=3, random_state=seed).fit_predict(reduced)


def methods(names: list[str]) -> dict[str, Callable[[list[str], int], np.ndarray]]:
    available: dict[str, Callable[[], Callable[[list[str], int], np.ndarray]]] = {
        "baseline-tfidf-svd-kmeans": lambda: tfidf_svd_kmeans,
        "baseline-wordllama-kmeans": lambda: kmeans_on(load_embedder("wordllama")),
        "default-wordllama+tfidf-spectral": lambda: signalroom(load_embedder("wordllama")),
        "fallback-hashing+tfidf-spectral": lambda: signalroom(load_embedder("hashing")),
    }
    if sentence_transformer_available():
        available["extra-minilm+tfidf-spectral"] = lambda: signalroom(load_embedder("minilm"))
        available["baseline-minilm-kmeans"] = lambda: kmeans_on(load_embedder("minilm"))
    chosen = names or list(available)
    return {name: available[name]() for name in chosen if name in available}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--methods", default="", help="comma-separated; default: all available")
    args = parser.parse_args()
    texts, truth = load_clinc(args.data)
    print(f"CLINC150 test: {len(texts)} texts, {len(set(truth))} intents, k={K}, seeds={SEEDS}")
    for name, run in methods([m for m in args.methods.split(",") if m]).items():
        scores = []
        for seed in SEEDS:
            started = time.perf_counter()
            predicted = run(texts, seed)
            elapsed = time.perf_counter() - started
            score = (normalized_mutual_info_score(truth, predicted), adjusted_rand_score(truth, predicted), hungarian_accuracy(truth, predicted))
            scores.append(score)
            print(f"  {name} seed={seed}: NMI {score[0]:.3f} ARI {score[1]:.3f} ACC {score[2]:.3f} ({elapsed:.1f} s)", flush=True)
        nmi, ari, acc = np.mean(scores, axis=0)
        print(f"{name} MEAN: NMI {nmi:.3f} ARI {ari:.3f} ACC {acc:.3f}", flush=True)


if __name__ == "__main__":
    main()
