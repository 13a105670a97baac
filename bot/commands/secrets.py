"""The key that encrypts stored credentials (SIGNALROOM_SECRET_KEY).

  signalroom secrets new-key   print a fresh key
  signalroom secrets rotate    re-encrypt every stored secret (helpdesk credentials, Slack tokens) with the first key

To rotate: generate a key, put it first and keep the old one after it
(SIGNALROOM_SECRET_KEY=NEW,OLD), deploy, run `secrets rotate`, then drop OLD.
Exit codes: 0 ok · 1 failure · 2 the key is missing or malformed, or a secret no key opens.
"""
from __future__ import annotations


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser("new-key", help="print a fresh key for SIGNALROOM_SECRET_KEY")
    actions.add_parser("rotate", help="re-encrypt every stored secret with the first key")


def run(args, runtime) -> int:
    from bot.credentials import keyring, new_key

    if args.action == "new-key":
        print(new_key())
        return 0
    from bot.slack.installations import rotate_tokens
    from bot.workspaces import service

    ring = keyring(runtime.settings)
    sessions = runtime.session_factory()
    count = service.rotate_secrets(sessions, keyring=ring) + rotate_tokens(sessions.kw["bind"], ring)
    print(f"Re-encrypted {count} stored secret{'s' if count != 1 else ''} with the first key of "
          "SIGNALROOM_SECRET_KEY." + (" The other keys can now be removed." if ring.size > 1 else ""))
    return 0
