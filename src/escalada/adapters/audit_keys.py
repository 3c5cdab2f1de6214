"""The audit keys, from the environment: ESCALADA_AUDIT_KEYS="k2:BASE64,k1:BASE64", the
first keying new timeline entries and every one verifying (rotate by putting a new key
first and keeping the old ones while their entries are audited). Unset: no key, the
embedded default, and the timeline's hashes are plain SHA-256."""

from __future__ import annotations

import binascii
import re
from base64 import b64decode
from collections.abc import Mapping

from escalada.domain.audit import KEYS_SETTING, AuditKey, Keyring
from escalada.domain.errors import InvalidInput
from escalada.settings import Settings

_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
SHORTEST_SECRET = 16  # bytes; `openssl rand -base64 32` makes a good one


def keyring_from_environ(environ: Mapping[str, str] | None = None) -> Keyring:
    """The keys in ESCALADA_AUDIT_KEYS (the process environment by default)."""
    return keyring_from_settings(Settings.current() if environ is None else Settings.of(environ))


def keyring_from_settings(settings: Settings) -> Keyring:
    """The keys in ESCALADA_AUDIT_KEYS."""
    text = settings.audit_keys.strip()
    if not text:
        return Keyring()
    keys = [_key(number, item.strip()) for number, item in enumerate(text.split(","), 1)]
    ids = [key.id for key in keys]
    repeated = sorted({key_id for key_id in ids if ids.count(key_id) > 1})
    if repeated:
        raise InvalidInput.of(KEYS_SETTING, "key id {repeated!r} is given twice",
                              repeated=repeated[0])
    return Keyring(tuple(keys))


def _key(number: int, item: str) -> AuditKey:
    # The secret is never repeated in a message: it may end up in a log.
    key_id, colon, encoded = item.partition(":")
    if not colon or not _KEY_ID.match(key_id.strip()):
        raise InvalidInput.of(KEYS_SETTING, "key {number} is not KEY_ID:BASE64_SECRET (the id: "
                              "letters, digits, '.', '_' or '-', at most 40)",
                              number=number)
    try:
        secret = b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidInput.of(KEYS_SETTING, "the secret of key {key_id!r} is not base64",
                              key_id=key_id.strip()) from error
    if len(secret) < SHORTEST_SECRET:
        raise InvalidInput.of(KEYS_SETTING, "the secret of key {key_id!r} is {secret} bytes; give "
                              "at least {shortest_secret} (e.g. `openssl rand "
                              "-base64 32`)", key_id=key_id.strip(),
                              secret=len(secret), shortest_secret=SHORTEST_SECRET)
    return AuditKey(key_id.strip(), secret)
