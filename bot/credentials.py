"""Credentials at rest: helpdesk secrets are stored as Fernet ciphertext, keyed by `SIGNALROOM_SECRET_KEY`.

`SIGNALROOM_SECRET_KEY` holds one key, or several separated by commas to rotate:
the first key encrypts, every key decrypts (cryptography's `MultiFernet`). To
rotate, put a new key first and keep the old ones after it, then run
`signalroom secrets rotate`, which re-encrypts every stored secret with the first
key; the old keys can then be dropped. `signalroom secrets new-key` prints a key.

Fernet is authenticated encryption (AES-128-CBC with an HMAC-SHA256 over it): a
ciphertext that was changed, or that no configured key opened, is refused with
`UndecryptableSecretError`, never returned as garbage.

A decrypted value is a `Secret`: its repr and str are masked, so it cannot reach a
log line or a terminal by accident; `reveal()` hands the plain text to the one
caller that sends it (an adapter's Authorization header).

`cryptography` is imported only when a key is used, so the CLI's --help stays light.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.errors import UsageError

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

ENV_VAR = "SIGNALROOM_SECRET_KEY"
HOW_TO_SET = f"set {ENV_VAR}; generate one with `signalroom secrets new-key`"


class SecretKeyError(UsageError):
    """`SIGNALROOM_SECRET_KEY` is missing or malformed: a configuration error (exit 2)."""


class UndecryptableSecretError(SecretKeyError):
    """A stored ciphertext that none of the configured keys opens (the key was replaced, not rotated)."""


class Secret:
    """A credential in memory. Masked in repr/str/format; compare with `==`; `reveal()` to send it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        import hmac  # constant time: a comparison must not hint at the secret's prefix

        return isinstance(other, Secret) and hmac.compare_digest(other._value.encode(), self._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):  # never pickled into a queue payload or a cache by accident
        raise TypeError("a Secret is not picklable: store its ciphertext instead")


def new_key() -> str:
    """A fresh Fernet key (32 random bytes, url-safe base64), as `SIGNALROOM_SECRET_KEY` takes it."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


class Keyring:
    """The configured keys: `encrypt` with the first, `decrypt` with any, `rotate` onto the first."""

    def __init__(self, keys: Iterable[str]) -> None:
        from cryptography.fernet import Fernet, MultiFernet

        parsed = []
        for position, key in enumerate(keys, start=1):
            try:
                parsed.append(Fernet(key.strip().encode("ascii")))
            except (ValueError, UnicodeEncodeError):  # never quote the key: it is the secret
                raise SecretKeyError(
                    f"{ENV_VAR}: key {position} is not a Fernet key (32 url-safe base64-encoded bytes); "
                    "generate one with `signalroom secrets new-key`"
                ) from None
        if not parsed:
            raise SecretKeyError(f"{ENV_VAR} is empty: {HOW_TO_SET}")
        self._fernet: MultiFernet = MultiFernet(parsed)
        self.size = len(parsed)

    def __repr__(self) -> str:
        return f"Keyring({self.size} key{'s' if self.size != 1 else ''})"

    def encrypt(self, secret: Secret | str) -> bytes:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        return self._fernet.encrypt(value.encode("utf-8"))

    def decrypt(self, ciphertext: bytes) -> Secret:
        from cryptography.fernet import InvalidToken

        try:
            return Secret(self._fernet.decrypt(bytes(ciphertext)).decode("utf-8"))
        except InvalidToken:
            raise UndecryptableSecretError(
                f"a stored secret cannot be decrypted with any key in {ENV_VAR} (was the key replaced "
                "instead of rotated? put the new key first and keep the old one after it, comma-separated)"
            ) from None

    def rotate(self, ciphertext: bytes) -> bytes:
        """The same secret encrypted with the first key (raises like `decrypt` when no key opens it)."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.rotate(bytes(ciphertext))
        except InvalidToken:
            self.decrypt(ciphertext)  # raises the worded error
            raise


def keyring_from_value(value: str | None) -> Keyring:
    """The keyring for `SIGNALROOM_SECRET_KEY`'s value (comma-separated keys), or `SecretKeyError`."""
    if value is None or not value.strip():
        raise SecretKeyError(f"no encryption key: {HOW_TO_SET}")
    return Keyring(part for part in value.split(",") if part.strip())


def keyring(settings) -> Keyring:
    """The keyring from the settings' environment (`settings.env.signalroom_secret_key`)."""
    value = settings.env.signalroom_secret_key
    return keyring_from_value(value.get_secret_value() if value is not None else None)
