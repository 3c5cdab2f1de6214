"""Whether an inbound webhook really comes from its help desk, and is fresh (pure).

Each sender signs with a secret shared with escalada:

* Zendesk: `X-Zendesk-Webhook-Signature` is base64(HMAC-SHA256(secret, timestamp +
  body)), the timestamp being `X-Zendesk-Webhook-Signature-Timestamp` as sent.
* Jira: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>` (Jira's webhook
  secret); the delivery's time is the payload's `timestamp`, covered by the signature.
  Or, for a Connect app, `Authorization: JWT <token>`: HS256 with the app's shared
  secret, its `qsh` claim the hash of this request's method, path and query, its `iat`
  the time it was signed (`exp` not passed).
* generic: `X-Escalada-Timestamp: <unix seconds>` and `X-Escalada-Signature:
  sha256=<hex HMAC-SHA256(secret, f"{timestamp}." + body)>`, as escalada's own
  outbound webhooks sign.

A delivery signed more than the window away from now is refused: a captured request
cannot be played again later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from escalada.domain.errors import SignatureInvalid

ZENDESK_SIGNATURE = "x-zendesk-webhook-signature"
ZENDESK_TIMESTAMP = "x-zendesk-webhook-signature-timestamp"
JIRA_SIGNATURE = "x-hub-signature"
GENERIC_SIGNATURE = "x-escalada-signature"
GENERIC_TIMESTAMP = "x-escalada-timestamp"


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name, "").strip()
    if not value:
        raise SignatureInvalid.of("header {header} missing", header=name)
    return value


def _hmac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def _hex_signature(headers: Mapping[str, str], name: str) -> str:
    scheme, _, digest = _header(headers, name).partition("=")
    if scheme.strip().lower() != "sha256" or not digest:
        raise SignatureInvalid.of("header {header} must be sha256=<hex digest>", header=name)
    return digest.strip().lower()


def verify_zendesk(headers: Mapping[str, str], body: bytes, secret: str) -> datetime:
    """The time Zendesk signed the delivery at; SignatureInvalid if the signature is wrong.
    `headers` have lower-case names."""
    stamp = _header(headers, ZENDESK_TIMESTAMP)
    expected = base64.b64encode(_hmac(secret, stamp.encode() + body)).decode()
    if not hmac.compare_digest(expected, _header(headers, ZENDESK_SIGNATURE)):
        raise SignatureInvalid.of("signature does not match the body and timestamp")
    try:
        signed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError as error:
        raise SignatureInvalid.of("header {header} is not an ISO 8601 time",
                                  header=ZENDESK_TIMESTAMP) from error
    return signed if signed.tzinfo else signed.replace(tzinfo=UTC)


def verify_jira(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    """SignatureInvalid unless X-Hub-Signature is the body's HMAC (the time is in it)."""
    expected = _hmac(secret, body).hex()
    if not hmac.compare_digest(expected, _hex_signature(headers, JIRA_SIGNATURE)):
        raise SignatureInvalid.of("signature does not match the body")


def verify_jira_jwt(headers: Mapping[str, str], secret: str, *, method: str, path: str,
                    query: Sequence[tuple[str, str]], now: datetime) -> datetime:
    """The time a Connect app's JWT was issued at; SignatureInvalid unless it is HS256
    with `secret`, for this request (`qsh`), and not expired."""
    scheme, _, token = _header(headers, "authorization").partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "jwt" or len(parts) != 3:
        raise SignatureInvalid.of("header {header} must be JWT <token>", header="authorization")
    try:
        header, claims = (json.loads(_unpadded(part)) for part in parts[:2])
    except (ValueError, UnicodeDecodeError) as error:
        raise SignatureInvalid.of("the JWT cannot be read") from error
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(
            claims, dict):
        raise SignatureInvalid.of("the JWT must be signed with HS256")
    signature = _b64url(_hmac(secret, f"{parts[0]}.{parts[1]}".encode()))
    if not hmac.compare_digest(signature, parts[2]):
        raise SignatureInvalid.of("signature does not match the body")
    if claims.get("qsh") != query_hash(method, path, query):
        raise SignatureInvalid.of("the JWT's qsh is not this request's")
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int) or not isinstance(expires, int):
        raise SignatureInvalid.of("the JWT must have iat and exp")
    if now.timestamp() > expires:
        raise SignatureInvalid.of("the JWT expired")
    return datetime.fromtimestamp(issued, UTC)


def query_hash(method: str, path: str, query: Sequence[tuple[str, str]]) -> str:
    """Atlassian's query string hash: SHA-256 of METHOD&path&sorted query (jwt left out)."""
    values: dict[str, list[str]] = {}
    for key, value in query:
        if key != "jwt":
            values.setdefault(_encoded(key), []).append(_encoded(value))
    canonical_query = "&".join(f"{key}={','.join(sorted(found))}"
                               for key, found in sorted(values.items()))
    canonical_path = (path.rstrip("/") or "/").replace("&", "%26")
    request = f"{method.upper()}&{canonical_path}&{canonical_query}"
    return hashlib.sha256(request.encode()).hexdigest()


def jira_jwt(secret: str, *, method: str, path: str, issued_at: int, issuer: str = "jira",
             lifetime: int = 180) -> str:
    """A Connect app's `JWT <token>` for a request (for senders and tests)."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64url(json.dumps({"iss": issuer, "iat": issued_at, "exp": issued_at + lifetime,
                                 "qsh": query_hash(method, path, ())}).encode())
    return f"JWT {header}.{claims}.{_b64url(_hmac(secret, f'{header}.{claims}'.encode()))}"


def _encoded(text: str) -> str:
    return quote(text, safe="~-._")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unpadded(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_generic(headers: Mapping[str, str], body: bytes, secret: str) -> datetime:
    """The time the sender signed the delivery at; SignatureInvalid if it is wrong."""
    stamp = _header(headers, GENERIC_TIMESTAMP)
    expected = _hmac(secret, stamp.encode() + b"." + body).hex()
    if not hmac.compare_digest(expected, _hex_signature(headers, GENERIC_SIGNATURE)):
        raise SignatureInvalid.of("signature does not match the body and timestamp")
    try:
        return datetime.fromtimestamp(int(stamp), UTC)
    except (ValueError, OverflowError, OSError) as error:
        raise SignatureInvalid.of("header {header} is not unix seconds",
                                  header=GENERIC_TIMESTAMP) from error


def check_fresh(signed_at: datetime, now: datetime, window: timedelta) -> None:
    """SignatureInvalid when the delivery was signed further than `window` from now."""
    if abs(now - signed_at) > window:
        raise SignatureInvalid.of(
            "signed at {signed_at}, more than {seconds} seconds from now: refused as a "
            "possible replay", signed_at=signed_at.isoformat(),
            seconds=int(window.total_seconds()))


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """What Zendesk sends in X-Zendesk-Webhook-Signature (for senders and tests)."""
    return base64.b64encode(_hmac(secret, timestamp.encode() + body)).decode()


def jira_signature(secret: str, body: bytes) -> str:
    """What Jira sends in X-Hub-Signature."""
    return "sha256=" + _hmac(secret, body).hex()


def generic_signature(secret: str, timestamp: int, body: bytes) -> str:
    """What a generic sender sends in X-Escalada-Signature."""
    return "sha256=" + _hmac(secret, str(timestamp).encode() + b"." + body).hex()
