"""One module per CLI subcommand: `add_arguments(parser)` and `run(args, runtime) -> int`.

`layout` is the exception: the terminal tables those commands print. Every module here
imports only light code at import time (tests/test_cli_startup.py checks it).
"""
