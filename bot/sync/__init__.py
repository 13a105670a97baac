"""Incremental sync of helpdesk sources into storage (issue 3)."""
