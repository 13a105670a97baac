"""Storage: models, engine/session factories and store functions (which never commit)."""
