"""End-to-end smoke test on real intent data: a few CLINC150 intents must come apart."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from bot.themes import ThemeDoc, WordLlamaEmbedder, build_themes

from .factories import NOW

CLINC = Path(__file__).resolve().parents[3] / "shared" / "data" / "clinc150" / "data_full.json"
INTENTS = ("pin_change", "restaurant_reservation", "flight_status", "translate", "weather", "credit_score")


@pytest.fixture(scope="module")
def clinc_rows() -> list[tuple[str, str]]:
    if not CLINC.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CLINC150 data missing at {CLINC}: CI must have ../shared/data/clinc150")
        pytest.skip(f"CLINC150 data not found at {CLINC} (shared data folder absent)")
    rows = json.loads(CLINC.read_text())["test"]
    return [(text, intent) for text, intent in rows if intent in INTENTS]


def test_a_few_intents_separate_with_the_default_embedder(clinc_rows: list[tuple[str, str]]) -> None:
    docs = [ThemeDoc(str(i), NOW - timedelta(hours=i), text) for i, (text, _) in enumerate(clinc_rows)]
    result = build_themes(docs, now=NOW, tz=ZoneInfo("UTC"), embedder=WordLlamaEmbedder(), k=len(INTENTS))
    predicted = np.array([result.assignments[d.ticket_id] for d in docs])
    truth = np.array([intent for _, intent in clinc_rows])
    assert len(docs) == 30 * len(INTENTS)
    assert normalized_mutual_info_score(truth, predicted) >= 0.8
    phrases = " ".join(p for t in result.themes for p in t.key_phrases)
    assert "pin" in phrases and "weather" in phrases
