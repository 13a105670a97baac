"""Per-ticket cache of embeddings, the expensive part of a run.

Keys are `"{ticket_id}:{text digest}"` (see `cache_key`), namespaced by the embedder name,
so an edited ticket or a new model never reuses a stale vector. Values are raw float32
bytes, which a SQL table stores as a BLOB / BYTEA: (model TEXT, key TEXT, vector BLOB,
primary key (model, key)).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np


class VectorCache(Protocol):
    def get_many(self, model: str, keys: Sequence[str]) -> Mapping[str, bytes]:
        """The stored vectors among `keys`; missing keys are simply absent."""
        ...

    def put_many(self, model: str, vectors: Mapping[str, bytes]) -> None: ...


class InMemoryVectorCache:
    def __init__(self) -> None:
        self._store: dict[tuple[str, str], bytes] = {}

    def get_many(self, model: str, keys: Sequence[str]) -> Mapping[str, bytes]:
        return {key: self._store[(model, key)] for key in keys if (model, key) in self._store}

    def put_many(self, model: str, vectors: Mapping[str, bytes]) -> None:
        for key, blob in vectors.items():
            self._store[(model, key)] = blob

    def __len__(self) -> int:
        return len(self._store)


def cache_key(ticket_id: str, text: str) -> str:
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()
    return f"{ticket_id}:{digest}"


def to_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32)
