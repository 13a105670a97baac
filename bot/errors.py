"""Errors that cross layers. `UsageError` is the user's mistake: exit code 2, one clear line."""
from __future__ import annotations


class UsageError(Exception):
    """Bad input from a person (CLI argument, slash command, modal field)."""


class NotAvailableError(UsageError):
    """A capability that exists in the CLI contract but is not built yet."""
