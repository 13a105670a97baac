"""The credential keyring: Fernet ciphertext, rotation with MultiFernet, clear errors, masked secrets."""
from __future__ import annotations

import logging
import pickle

import pytest

from bot.config import load_settings
from bot.credentials import (
    Secret,
    SecretKeyError,
    UndecryptableSecretError,
    keyring,
    keyring_from_value,
    new_key,
)


def test_round_trip_and_the_ciphertext_does_not_hold_the_secret():
    ring = keyring_from_value(new_key())
    ciphertext = ring.encrypt("s3cr3t-token-value")
    assert b"s3cr3t" not in ciphertext
    assert ring.decrypt(ciphertext).reveal() == "s3cr3t-token-value"
    assert ring.encrypt("same") != ring.encrypt("same")  # a fresh IV each time


def test_rotation_first_key_encrypts_every_key_decrypts():
    old, new = new_key(), new_key()
    stored = keyring_from_value(old).encrypt("token")
    both = keyring_from_value(f"{new}, {old}")  # spaces around the comma are fine
    assert both.decrypt(stored).reveal() == "token"
    rotated = both.rotate(stored)
    # After rotation the old key can go: the new key alone opens it, the old alone no longer does.
    assert keyring_from_value(new).decrypt(rotated).reveal() == "token"
    with pytest.raises(UndecryptableSecretError):
        keyring_from_value(old).decrypt(rotated)
    # New secrets are encrypted with the first key.
    assert keyring_from_value(new).decrypt(both.encrypt("fresh")).reveal() == "fresh"


def test_a_ciphertext_no_key_opens_is_refused_with_advice():
    stored = keyring_from_value(new_key()).encrypt("token")
    other = keyring_from_value(new_key())
    with pytest.raises(UndecryptableSecretError, match="cannot be decrypted with any key in SIGNALROOM_SECRET_KEY"):
        other.decrypt(stored)
    with pytest.raises(UndecryptableSecretError):
        other.rotate(stored)
    tampered = bytearray(stored)
    tampered[-5] ^= 1
    with pytest.raises(UndecryptableSecretError):
        keyring_from_value(new_key()).decrypt(bytes(tampered))


@pytest.mark.parametrize("value", [None, "", " , "])
def test_a_missing_key_says_how_to_make_one(value):
    with pytest.raises(SecretKeyError, match=r"set SIGNALROOM_SECRET_KEY; generate one with `signalroom secrets new-key`"):
        keyring_from_value(value)


def test_a_malformed_key_is_named_by_position_and_never_quoted():
    good = new_key()
    with pytest.raises(SecretKeyError) as raised:
        keyring_from_value(f"{good},not-a-real-key-material")
    assert "key 2 is not a Fernet key" in str(raised.value)
    assert "not-a-real-key-material" not in str(raised.value)
    assert good not in str(raised.value)


def test_the_key_comes_from_the_settings_environment_and_is_masked_there(tmp_path):
    key = new_key()
    (tmp_path / "signalroom.toml").write_text("", encoding="utf-8")
    settings = load_settings({"SIGNALROOM_SECRET_KEY": key, "SIGNALROOM_DATA_DIR": str(tmp_path)},
                             config_path=str(tmp_path / "signalroom.toml"))
    assert keyring(settings).decrypt(keyring_from_value(key).encrypt("x")).reveal() == "x"
    assert key not in repr(settings)
    assert key not in repr(keyring(settings))


def test_a_secret_is_masked_everywhere_it_could_leak(caplog):
    secret = Secret("hunter2-token")
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", "%s" % secret, repr([secret])):
        assert "hunter2" not in shown
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("token %s %r", secret, secret)
    assert "hunter2" not in caplog.text
    assert secret == Secret("hunter2-token") and secret != Secret("other")
    with pytest.raises(TypeError):
        pickle.dumps(secret)
