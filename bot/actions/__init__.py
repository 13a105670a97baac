"""The action log: what was tried, by whom, and whether it moved the needle."""
