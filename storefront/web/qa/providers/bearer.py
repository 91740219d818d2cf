"""Sealed bearer access tokens: the guard of userinfo and of the Graph-like /me."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oidc.core import UserInfo, UserInfoEndpoint

from storefront.web.qa.providers import tokens
from storefront.web.qa.providers.clients import Client, issuer, secret_key, token_ttl, user_info
from storefront.web.qa.providers.tokens import Person


class SealedToken(TokenMixin):
    """A bearer access token that carries its client, person and scope."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.scope = data["scope"]

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.data["client_id"]

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return token_ttl()

    def is_expired(self) -> bool:
        return False  # unseal already refused it when too old

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> Person:
        return Person(**self.data["person"])

    def get_client(self) -> Client:
        return Client(self.data["provider"])


class SealedTokenValidator(BearerTokenValidator):
    """Accepts the tokens this app sealed, until they are older than the token life."""

    def authenticate_token(self, token_string: str) -> SealedToken | None:
        data = tokens.unseal(secret_key(), "access", token_string, token_ttl())
        return SealedToken(data) if data else None


class UserInfoClaims(UserInfoEndpoint):
    """OpenID Connect's userinfo endpoint, answering for the bearer's person."""

    def get_issuer(self) -> str:
        return issuer()

    def generate_user_info(self, user: Person, scope: str) -> UserInfo:
        return user_info(user, scope)


def access_token(client: Client, grant_type: str, user: Person, scope: str) -> str:
    """A bearer token carrying everything the APIs need, sealed instead of stored."""
    return tokens.seal(secret_key(), "access", {
        "client_id": client.client_id, "provider": client.provider, "scope": scope,
        "person": asdict(user)})


def protector() -> ResourceProtector:
    """Guards the userinfo and Graph-like /me endpoints with the sealed bearer tokens."""
    guard = ResourceProtector()
    guard.register_token_validator(SealedTokenValidator())
    return guard
