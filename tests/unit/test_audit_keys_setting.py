"""ESCALADA_AUDIT_KEYS: "k2:BASE64,k1:BASE64", the first keying new entries, each a
key id and a base64 secret of at least 16 bytes; a malformed setting is refused naming
the setting and the key, never repeating a secret."""

from __future__ import annotations

import base64

import pytest

from escalada.adapters.audit_keys import keyring_from_environ
from escalada.domain.audit import AuditKey, Keyring
from escalada.domain.errors import InvalidInput

SECRET = b"0123456789abcdef0123456789abcdef"
ENCODED = base64.b64encode(SECRET).decode()


def keys(value: str) -> Keyring:
    return keyring_from_environ({"ESCALADA_AUDIT_KEYS": value})


def test_the_first_key_is_the_active_one_and_every_key_verifies() -> None:
    keyring = keys(f" k2:{ENCODED} , k1:{base64.b64encode(b'x' * 16).decode()}")

    assert keyring.ids == ["k2", "k1"]
    assert keyring.active == AuditKey("k2", SECRET)
    assert keyring.secret("k1") == b"x" * 16
    assert keyring.secret("k9") is None


def test_no_setting_is_no_key_the_embedded_default() -> None:
    assert keyring_from_environ({}) == keys("  ") == Keyring()
    assert Keyring().active is None


def test_a_secret_never_shows_in_the_keyring_repr() -> None:
    assert ENCODED not in repr(keys(f"k1:{ENCODED}")) and "0123" not in repr(keys(f"k1:{ENCODED}"))


@pytest.mark.parametrize("value, problem", [
    (ENCODED, "key 1 is not KEY_ID:BASE64_SECRET"),
    (f"k1:{ENCODED},:{ENCODED}", "key 2 is not KEY_ID:BASE64_SECRET"),
    (f"k 1:{ENCODED}", "key 1 is not KEY_ID:BASE64_SECRET"),
    ("k1:not base64!", "the secret of key 'k1' is not base64"),
    (f"k1:{base64.b64encode(b'short').decode()}", "is 5 bytes; give at least 16"),
    (f"k1:{ENCODED},k1:{ENCODED}", "key id 'k1' is given twice"),
], ids=["no-id", "empty-id", "space-in-id", "not-base64", "too-short", "twice"])
def test_a_malformed_setting_is_refused_naming_it(value: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=f"ESCALADA_AUDIT_KEYS: .*{problem}") as refused:
        keys(value)

    assert ENCODED not in str(refused.value)
