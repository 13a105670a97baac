"""Rituals: what to say in Slack and when (weekly review, alerts, reminders, digests, account risk, summaries).

`registry` is the one table of rituals (key, schedule, `gather(ctx)`, `render(data)`), which the
worker, the runner, the CLI and the demo read. `schedule` and `verdict` are pure; each ritual module
gathers plain data from storage, decides with pure functions, and returns a view dataclass that a
`templates/ritual_*.json.j2` template renders. `ledger` and `lease` make posting safe with two
workers; `worker` holds the one explicit job table.
"""
