"""Message templates; installed as the package `bot._templates` so importlib.resources can read them."""
