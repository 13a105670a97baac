"""Alembic migrations; installed as the package `bot._migrations` so a wheel can migrate from any directory."""
