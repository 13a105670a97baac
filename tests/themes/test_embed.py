import builtins
import importlib.util

import numpy as np
import pytest

from bot.themes import HashingEmbedder, WordLlamaEmbedder, load_embedder
from bot.themes.embed import sentence_transformer_available


@pytest.mark.parametrize("embedder", [HashingEmbedder(dim=32), WordLlamaEmbedder()], ids=["hashing", "wordllama"])
def test_vectors_are_unit_float32_and_depend_only_on_their_text(embedder) -> None:
    alone = embedder.embed(["reset my password"])
    batch = embedder.embed(["invoice is wrong", "reset my password", ""])
    assert batch.dtype == np.float32 and batch.shape == (3, embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(batch[:2], axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(alone[0], batch[1], rtol=1e-5, atol=1e-6)
    assert embedder.embed([]).shape == (0, embedder.dim)


def test_similar_texts_are_closer_than_unrelated_ones() -> None:
    vectors = WordLlamaEmbedder().embed(["cannot reset my password", "password reset link broken", "invoice amount wrong"])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_wordllama_loads_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("network access while loading the embedder")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert WordLlamaEmbedder().dim == 256


def test_auto_falls_back_to_hashing_when_wordllama_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_wordllama(name, *args, **kwargs):
        if name.startswith("wordllama"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_wordllama)
    assert isinstance(load_embedder("auto"), HashingEmbedder)


def test_unknown_embedder_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown embedder"):
        load_embedder("bert")


def test_heavy_backend_is_reported_only_when_installed() -> None:
    installed = importlib.util.find_spec("sentence_transformers") is not None and importlib.util.find_spec("torch") is not None
    assert sentence_transformer_available() <= installed
