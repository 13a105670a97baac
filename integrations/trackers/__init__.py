"""Issue tracker clients (Jira Cloud REST v3, Linear GraphQL): HTTP only, nothing of Slack or SQL."""
