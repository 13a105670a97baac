"""The `[crm]` table of signalroom.toml: which HubSpot properties to fetch and what makes an account high-value.

    [crm]
    value_property = "annualrevenue"      # a number: the account's value (ARR, annual revenue)
    tier_property = "tier"                # optional: a custom tier property
    lifecycle_property = "lifecyclestage"
    properties = ["industry"]             # more to fetch and keep
    high_value = "value >= 50000 or tier == 'enterprise'"
    sync_hour = 4                         # the daily sync's local hour (`timezone`)

The rule names `value`, `tier`, `lifecycle` or any fetched property (bot/crm/rule.py). The token never lives
here: HUBSPOT_TOKEN (HUBSPOT_URL for proxies and tests) comes from the environment, or per workspace from
the encrypted store (`signalroom integration add hubspot`). Kept apart from
bot/config.py, which imports `CrmConfig` into the file model, so this module must not import bot.config.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.crm.rule import RuleError, parse

_PROPERTY = re.compile(r"^[a-z0-9_]{1,100}$")
ALIASES = ("value", "tier", "lifecycle")


class CrmConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value_property: str = "annualrevenue"
    tier_property: str | None = None
    lifecycle_property: str | None = "lifecyclestage"
    properties: tuple[str, ...] = ()
    high_value: str | None = None
    sync_hour: int = Field(default=4, ge=0, le=23)

    @field_validator("value_property", "tier_property", "lifecycle_property")
    @classmethod
    def _property_name(cls, value: str | None) -> str | None:
        if value is not None and not _PROPERTY.match(value):
            raise ValueError(f"{value!r} is not a HubSpot property's internal name (lowercase, digits, _)")
        return value

    @field_validator("properties")
    @classmethod
    def _property_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            cls._property_name(name)
        return value

    @model_validator(mode="after")
    def _rule_parses(self) -> CrmConfig:
        if self.high_value is not None:
            try:
                parse(self.high_value, self.rule_names())
            except RuleError as error:
                raise ValueError(f"high_value: {error}") from None
        return self

    def fetched(self) -> tuple[str, ...]:
        """Every property the sync asks HubSpot for (besides name, domain and owner)."""
        named = (self.value_property, self.tier_property, self.lifecycle_property, *self.properties)
        return tuple(dict.fromkeys(p for p in named if p))

    def rule_names(self) -> set[str]:
        return {*ALIASES, *self.fetched()}

    def rule(self) -> Any:
        return None if self.high_value is None else parse(self.high_value, self.rule_names())
