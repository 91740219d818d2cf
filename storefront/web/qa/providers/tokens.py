"""What the QA providers hand out, derived or sealed with SECRET_KEY so every process agrees.

QA instances run several gunicorn workers and new tables are not ours to add, so nothing is
stored: authorization codes and access tokens are short-lived values signed with the app's
SECRET_KEY (itsdangerous), accounts are derived from the email, and the ID token key is an
ES256 (P-256) key derived from SECRET_KEY. An RSA key cannot be derived from a seed with the
standard tools, while a P-256 private key is any number below the curve order; so every
worker publishes the same JWKS without sharing a file or a row.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc.jwk import ECKey

CODE_TTL = 120  # seconds an authorization code may be exchanged
KEY_ID = "storefront-qa-1"
ALGORITHM = "ES256"
CLIENT_IDS = {"google": "storefront-qa-google", "facebook": "storefront-qa-facebook"}
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True)
class Person:
    """An account of a QA provider: whoever typed that email on its sign-in page."""

    sub: str
    email: str
    email_verified: bool
    name: str


def _mac(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def credentials(secret_key: str, provider: str) -> tuple[str, str]:
    """The client id and secret the store uses with a local provider (derived, never stored)."""
    return CLIENT_IDS[provider], _mac(secret_key, f"client-secret:{provider}").hex()


def person(secret_key: str, provider: str, email: str, verified: bool) -> Person:
    """The provider account of an email, with the same numeric subject in every process."""
    email = email.strip().lower()
    subject = str(int.from_bytes(_mac(secret_key, f"subject:{provider}:{email}")[:8], "big"))
    name = email.split("@")[0].replace(".", " ").replace("_", " ").title()
    return Person(sub=subject, email=email, email_verified=verified, name=name)


def _serializer(secret_key: str, kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"storefront.qa-provider.{kind}")


def seal(secret_key: str, kind: str, payload: dict[str, Any]) -> str:
    """A signed, timestamped value carrying its own data (a code or an access token)."""
    return _serializer(secret_key, kind).dumps(payload)


def unseal(secret_key: str, kind: str, value: str, max_age: int) -> dict[str, Any] | None:
    """The data of a sealed value, or None when forged, of another kind or too old."""
    try:
        data = _serializer(secret_key, kind).loads(value, max_age=max_age)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


@cache
def signing_key(secret_key: str, forged: bool = False) -> ECKey:
    """The ID token key; `forged` gives another key under the same key id (a forger's)."""
    purpose = "forger-key" if forged else "id-token-key"
    scalar = int.from_bytes(_mac(secret_key, purpose), "big") % (_P256_ORDER - 1) + 1
    private = ec.derive_private_key(scalar, ec.SECP256R1())
    return ECKey.import_key(private, {"kid": KEY_ID, "use": "sig", "alg": ALGORITHM})


def jwks(secret_key: str) -> dict[str, Any]:
    """The public key set every worker publishes (the genuine key only)."""
    return {"keys": [signing_key(secret_key).as_dict(private=False)]}
