"""What delivering a message can answer, below the services and the Slack app that both use it.

`DeliveryError` (and `UncertainDeliveryError`, when Slack may have done it) are raised by the Slack
client (`bot.slack.notifier`) and handled by the rituals' publishing; `post_metadata` is the ledger
key a post carries in its `metadata`, by which it is found again.
"""
from __future__ import annotations

from typing import Any

METADATA_EVENT = "signalroom_post"  # event_type of the metadata that carries a post's ledger key
# Slack's answers to a token that will not work again: the app was uninstalled or its token revoked
# (token_revoked), the workspace or the bot's account was deactivated (account_inactive), the token is unknown
# (invalid_auth). Nothing sent with that token can succeed, so nothing more is tried (bot/slack/revocations.py).
NOT_INSTALLED_ERRORS = frozenset({"token_revoked", "account_inactive", "invalid_auth"})


class DeliveryError(Exception):
    """A message could not be delivered; `code` is Slack's error string (or an HTTP status)."""

    def __init__(self, message: str, *, code: str, channel: str | None = None) -> None:
        super().__init__(message)
        self.code, self.channel = code, channel


class NotInstalledError(DeliveryError):
    """Slack refuses the workspace's token for good (`NOT_INSTALLED_ERRORS`): the app is no longer installed there."""


class UncertainDeliveryError(DeliveryError):
    """Slack may have done it (5xx after the request reached it, no answer in time): reconcile, never re-send."""


def post_metadata(key: str, **payload: str) -> dict[str, Any]:
    """The `metadata` argument that tags a post with its ledger key (found again by `find_message`)."""
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key, **payload}}
