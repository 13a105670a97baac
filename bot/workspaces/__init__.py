"""Workspaces as tenants (issue 16): workspaces, their helpdesk connections with encrypted credentials.

`service` owns the transactions; `connections` tests a helpdesk connection before it is saved.
"""
