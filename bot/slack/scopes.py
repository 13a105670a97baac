"""Every Slack Web API method Signalroom calls, and the bot scope each one needs: the one table.

The OAuth install request (`BOT_SCOPES`), `slack-manifest.yml` and the fake Slack
in tests are all checked against this table, so a call added without its scope
fails a test the way Slack would answer it (`missing_scope`).

Scopes per method are from Slack's method reference (docs.slack.dev/reference/methods).
A method with no scope (views.*, auth.test) needs only a valid token.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

METHOD_SCOPES: Mapping[str, str | None] = MappingProxyType({
    # posting, editing and answering (Notifier, SlackDelivery)
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    # not_in_channel: join the public channel and retry once
    "conversations.join": "channels:join",
    # a DM to an action owner (Slack also accepts mpim:write, groups:write or channels:manage; we ask for im:write)
    "conversations.open": "im:write",
    # chart PNGs on the weekly review: WebClient.files_upload_v2 makes these two calls
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    # owners by email, a viewer's timezone and email (App Home), admins as a user group
    "users.lookupByEmail": "users:read.email",
    # also: is the user a Slack workspace admin (set-up on Home); the profile's email also needs users:read.email
    "users.info": "users:read",
    "usergroups.users.list": "usergroups:read",
    # a scheduled post whose answer was lost is looked up by the ledger key in its metadata before any
    # re-post (bot/rituals/publish.py); the scope follows the conversation: channels:history here,
    # groups:history and im:history (below) for private channels and owner DMs
    "conversations.history": "channels:history",
    "conversations.replies": "channels:history",  # the same lookup for a reply in a thread
    # modals and the Home tab
    "views.open": None,
    "views.publish": None,
    # Bolt: token check and the OAuth install
    "auth.test": None,
    "oauth.v2.access": None,
})

# Called by Bolt itself, not by our code: the token check and the OAuth install.
BOLT_METHODS = frozenset({"auth.test", "oauth.v2.access"})

# Scopes that no Web API call needs but a feature does.
FEATURE_SCOPES: Mapping[str, str] = MappingProxyType({
    "commands": "the /metrics slash command",
    "groups:history": "conversations.history/replies in a private channel (a lost post's answer)",
    "im:history": "conversations.history in an owner's DM (a lost DM's answer)",
})


def required_scopes() -> tuple[str, ...]:
    """Every bot scope the app needs, sorted: what the install asks for and the manifest lists."""
    needed = {scope for scope in METHOD_SCOPES.values() if scope} | set(FEATURE_SCOPES)
    return tuple(sorted(needed))


def missing_scope(method: str, granted: Iterable[str]) -> str | None:
    """The scope `method` needs that `granted` lacks, or None. KeyError for a method not in the table."""
    scope = METHOD_SCOPES[method]
    return scope if scope and scope not in set(granted) else None


def missing_scope_hint(method: str, needed: str | None) -> str:
    """What a person can do about Slack's `missing_scope` answer to `method`."""
    scope = needed or METHOD_SCOPES.get(method) or "a scope"
    return (f"the Slack app lacks the {scope} scope that {method} needs: add it under OAuth & Permissions → "
            f"Bot Token Scopes (or update the app from slack-manifest.yml), then reinstall the app to the workspace")
