"""Issues in Jira Cloud or Linear linked to themes, triggers and actions (issue 17): config, links, polling."""
