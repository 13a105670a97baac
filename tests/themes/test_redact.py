import pytest

from bot.redact import redact
from bot.themes.redact import clean_for_clustering


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to bob.smith+x@example.co.uk today", "write to [email] today"),
        ("see https://status.example.com/incidents/42?x=1 now", "see [url] now"),
        ("docs at www.example.org", "docs at [url]"),
        ("call +49 30 1234567", "call [phone]"),
        ("call (555) 123-4567 please", "call [phone] please"),
        ("order #12345 is late", "order [id] is late"),
        ("invoice INV-2024-001 wrong", "invoice [id] wrong"),
        ("device 3f2a9c1b-1111-2222-3333-444455556666 offline", "device [id] offline"),
        ("token ab12cd34ef expired", "token [id] expired"),
        ("refund 42.50 for 3 items", "refund [number] for [number] items"),
        ("down 24/7 since 10:30", "down [number] since [number]"),
        ("2fa fails on iOS 17", "2fa fails on iOS [number]"),
        ("plain words stay", "plain words stay"),
        ("  extra   spaces  ", "extra spaces"),
    ],
)
def test_redact_replaces_sensitive_spans_with_placeholders(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi team, cannot log in after reset #4411. Thanks!", "cannot log in after reset"),
        ("Good morning, my card was declined. Best, John", "my card was declined"),
        ("URGENT: app crashes asap", "app crashes"),
        ("Invoice wrong. Kind regards, Anna", "invoice wrong"),
        ("what is the best plan for teams", "what is the best plan for teams"),
        ("how do i say thank you in french", "how do i say thank you in french"),
        ("email me at a@b.io or call 555 123 4567", "email me at or call"),
        ("thanks!", "thanks!"),  # nothing but a sign-off keeps its words
    ],
)
def test_clean_for_clustering_drops_placeholders_greetings_and_sign_offs(text: str, expected: str) -> None:
    assert clean_for_clustering(text) == expected


def test_cleaned_text_never_contains_digits_emails_or_urls() -> None:
    text = "Hello, order 991 (ref AB-77) for x@y.com via https://a.b/c, phone +1 415 555 0100"
    cleaned = clean_for_clustering(text)
    assert not any(ch.isdigit() for ch in cleaned)
    assert "@" not in cleaned and "http" not in cleaned
