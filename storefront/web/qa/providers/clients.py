"""The store as a client of the QA providers, and what the providers say about people."""
from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oidc.core import UserInfo
from flask import current_app, request, url_for

from storefront.web.qa.providers import tokens
from storefront.web.qa.providers.tokens import Person

SCOPES = {"google": {"openid", "email", "profile"}, "facebook": {"email", "public_profile"}}
AUTH_METHODS = {"google": "client_secret_basic", "facebook": "client_secret_post"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def secret_key() -> str:
    """The app's SECRET_KEY: everything the providers hand out is derived or sealed with it."""
    return current_app.config["SECRET_KEY"]


def token_ttl() -> int:
    """Seconds tokens live; negative for already-expired tokens (a test-only knob)."""
    return int(current_app.config["QA_PROVIDER_TOKEN_TTL"])


def issuer() -> str:
    """The OpenID issuer: the provider's own URL unless a test asks for another."""
    own = url_for("qa_oidc.discovery", _external=True)
    return current_app.config["QA_PROVIDER_ISSUER"] or own.split("/.well-known/")[0]


class Client(ClientMixin):
    """The store, registered with a local provider under derived credentials."""

    client_metadata: dict[str, Any] = {}

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.client_id, self.client_secret = tokens.credentials(secret_key(), provider)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # the store always names its callback

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES[self.provider])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Only the store's callback, on this host or a loopback one (tests run the store there).
        parts = urlsplit(redirect_uri)
        return (parts.scheme in ("http", "https") and not parts.query and not parts.fragment
                and parts.path.endswith(f"/auth/{self.provider}/callback")
                and parts.hostname in LOOPBACK | {request.host.rsplit(":", 1)[0]})

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method == AUTH_METHODS[self.provider]

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


def user_info(person: Person, scope: str) -> UserInfo:
    """The claims a scope releases about a person."""
    scopes = scope.split()
    info = UserInfo(sub=person.sub)
    if "email" in scopes:
        info.update(email=person.email, email_verified=person.email_verified)
    if "profile" in scopes or "public_profile" in scopes:
        info["name"] = person.name
    return info
