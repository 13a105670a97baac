import pytest

from bot.themes import (
    OverridesError,
    PinnedTheme,
    ThemeOverrides,
    overrides_from_config,
)


def test_config_table_becomes_overrides() -> None:
    table = {
        "rename": {"T0001": "Password resets"},
        "merge": {"T0007": "T0001"},
        "product_area": {"T0001": "Identity"},
        "pin": [{"id": "sso", "name": "Single sign-on", "terms": ["SSO", "saml"], "tags": ["sso"], "product_area": "Identity"}],
    }
    overrides = overrides_from_config(table)
    assert overrides.rename == {"T0001": "Password resets"}
    assert overrides.merge == {"T0007": "T0001"}
    assert overrides.product_areas == {"T0001": "Identity"}
    assert overrides.pinned == (PinnedTheme("sso", "Single sign-on", ("sso", "saml"), ("sso",), "Identity"),)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"rename": {"T1": 3}}, "themes.rename"),
        ({"merge": ["T1"]}, "themes.merge"),
        ({"pin": [{"name": "x", "terms": ["a"]}]}, "themes.pin[0]"),
        ({"pin": [{"id": "x", "name": "x"}]}, "themes.pin[0] needs terms or tags"),
        ({"pin": [{"id": "x", "name": "x", "terms": [1]}]}, "themes.pin[0].terms"),
    ],
)
def test_malformed_tables_name_the_key(table: dict, message: str) -> None:
    with pytest.raises(OverridesError, match=message.replace("[", r"\[").replace("]", r"\]")):
        overrides_from_config(table)


@pytest.mark.parametrize(
    ("merge", "theme_id", "final"),
    [
        ({}, "T1", "T1"),
        ({"T1": "T2"}, "T1", "T2"),
        ({"T1": "T2", "T2": "T3"}, "T1", "T3"),
        ({"T1": "T2", "T2": "T1"}, "T1", "T2"),  # a cycle stops instead of looping
    ],
)
def test_merge_chains_resolve(merge: dict, theme_id: str, final: str) -> None:
    assert ThemeOverrides(merge=merge).final_id(theme_id) == final
