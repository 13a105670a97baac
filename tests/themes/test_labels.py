"""Theme labels: phrases a person would say, and a title in customers' own words."""
from __future__ import annotations

import numpy as np
import pytest

from bot.themes.labels import key_phrases, label_from_phrases, phrase_candidates, title_from_subjects


@pytest.mark.parametrize(("text", "present", "absent"), [
    ("payment failed on the new billing page", {"payment failed", "new billing page", "billing page", "payment"},
     {"failed new", "failed on the", "the new", "on"}),
    ("login broken. new card rejected", {"login broken", "new card rejected"}, {"broken new"}),
    ("can't log in after password reset", {"password reset", "log"}, {"can't log", "reset after"}),
    ("refund for cancelled plan", {"refund for cancelled", "cancelled plan"}, {"refund for", "for cancelled"}),
    ("thanks!", set(), {"thanks"}),
])
def test_phrase_candidates_are_contiguous_and_never_start_or_end_on_a_stop_word(text, present, absent):
    got = set(phrase_candidates(text))
    assert present <= got
    assert not (absent & got)


def test_key_phrases_prefer_the_longer_phrase_a_theme_keeps_saying():
    texts = ["payment failed on the new billing page"] * 6 + ["payment failed again"] * 2 + \
            ["password reset link expired"] * 8
    phrases = key_phrases(texts, np.array([0] * 8 + [1] * 8), n_clusters=2)
    assert phrases[0][0] == "payment failed"  # not "payment", which it absorbed, nor "failed new"
    assert "new billing page" in phrases[0]
    # four words said together every time: two overlapping three-word phrases cover them, nothing shorter
    assert set(phrases[1]) == {"password reset link", "reset link expired"}
    assert all(p.split()[0] not in ("on", "the") for ps in phrases for p in ps)


@pytest.mark.parametrize(("subjects", "phrases", "title"), [
    # the one that says most of the top phrases, then the shortest, then the most central
    (["Billing is broken", "Payment failed on the new billing page", "Payment failed"],
     ("payment failed", "new billing page"), "Payment failed on the new billing page"),
    (["Payment failed", "payment failed!!"], ("payment failed",), "Payment failed"),
    # placeholders, one-word and over-long subjects never name a theme
    (["Webhook returns [number]", "Webhook returns an error"], ("webhook returns",), "Webhook returns an error"),
    (["Help", "webhook " + "very " * 20 + "broken"], ("webhook",), None),
    # nothing central says the theme's phrases: no title
    (["Question about my account"], ("payment failed",), None),
    ([], ("payment failed",), None),
    (["Payment failed"], (), None),
    # the writer's casing stays
    (["iOS app crashes on launch"], ("app crashes",), "iOS app crashes on launch"),
    (["sso login loops back to sign-in"], ("login loops",), "Sso login loops back to sign-in"),
])
def test_title_from_subjects(subjects, phrases, title):
    assert title_from_subjects(subjects, phrases) == title


def test_label_from_phrases_falls_back_to_the_phrases():
    assert label_from_phrases(("payment failed", "billing page", "card")) == "Payment failed / billing page"
    assert label_from_phrases(()) == "Unlabelled"
