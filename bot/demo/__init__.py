"""The offline demo: a realistic, seeded sample helpdesk and the whole pipeline run on it."""
