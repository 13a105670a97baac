import numpy as np

from bot.themes import KnownTheme
from bot.themes.cache import to_blob
from bot.themes.identity import match_clusters


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def known(theme_id: str, vector: np.ndarray, embedder: str = "e", tickets: frozenset[str] = frozenset()) -> KnownTheme:
    return KnownTheme(theme_id, theme_id.lower(), embedder, to_blob(vector), ticket_ids=tickets)


def test_similar_centroids_keep_ids_one_to_one_and_others_get_fresh_ids() -> None:
    previous = [known("T0001", unit(1, 0, 0)), known("T0002", unit(0, 1, 0))]
    centroids = np.vstack([unit(0.1, 1, 0), unit(1, 0.1, 0), unit(0, 0, 1)])
    matches = match_clusters(centroids, [frozenset()] * 3, embedder="e", previous=previous)
    assert [m.theme_id for m in matches] == ["T0002", "T0001", "T0003"]
    assert matches[2].known is None


def test_two_clusters_cannot_take_the_same_id() -> None:
    previous = [known("T0001", unit(1, 0))]
    matches = match_clusters(np.vstack([unit(1, 0.05), unit(1, 0.1)]), [frozenset()] * 2, embedder="e", previous=previous)
    assert sorted(m.theme_id for m in matches) == ["T0001", "T0002"]


def test_other_embedder_falls_back_to_ticket_overlap() -> None:
    previous = [known("T0005", unit(1, 0), embedder="old-model", tickets=frozenset({"a", "b", "c", "d"}))]
    matches = match_clusters(np.vstack([unit(0, 1), unit(1, 0)]), [frozenset({"a", "b", "c", "x"}), frozenset({"y"})], embedder="e", previous=previous)
    assert [m.theme_id for m in matches] == ["T0005", "T0006"]


def test_fresh_ids_skip_reserved_ids() -> None:
    matches = match_clusters(np.vstack([unit(1, 0)]), [frozenset()], embedder="e", previous=[], reserved_ids=["T0001"])
    assert matches[0].theme_id == "T0002"
