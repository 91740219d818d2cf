"""The QA providers' Authlib authorization servers: code grant, OpenID Connect, PKCE."""
from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, current_app

from storefront.web.qa.providers import bearer, tokens
from storefront.web.qa.providers.clients import Client, issuer, secret_key, token_ttl, user_info
from storefront.web.qa.providers.tokens import Person


class SealedCode(AuthorizationCodeMixin):
    """An authorization code that carries its own request and person."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def get_redirect_uri(self) -> str:
        return self.data["redirect_uri"]

    def get_scope(self) -> str:
        return self.data["scope"]

    def get_nonce(self) -> str | None:
        return self.data["nonce"]

    def get_auth_time(self) -> int:
        return self.data["auth_time"]

    @property
    def code_challenge(self) -> str | None:  # read by Authlib's PKCE extension
        return self.data["challenge"]

    @property
    def code_challenge_method(self) -> str | None:
        return self.data["challenge_method"]


class CodeGrant(AuthorizationCodeGrant):
    """The code grant, with codes sealed instead of stored (they die after CODE_TTL)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def generate_authorization_code(self) -> str:
        data = self.request.payload.data
        return tokens.seal(secret_key(), "code", {
            "client_id": self.request.client.client_id, "redirect_uri": data.get("redirect_uri"),
            "scope": self.request.scope, "nonce": data.get("nonce"),
            "challenge": data.get("code_challenge"),
            "challenge_method": data.get("code_challenge_method"),
            "auth_time": int(time.time()), "person": asdict(self.request.user)})

    def save_authorization_code(self, code: str, request: Any) -> None:
        """Nothing to save: the code is sealed."""

    def query_authorization_code(self, code: str, client: Client) -> SealedCode | None:
        data = tokens.unseal(secret_key(), "code", code, tokens.CODE_TTL)
        return SealedCode(data) if data and data["client_id"] == client.client_id else None

    def delete_authorization_code(self, authorization_code: SealedCode) -> None:
        """A sealed code cannot be withdrawn; it expires after CODE_TTL seconds."""

    def authenticate_user(self, authorization_code: SealedCode) -> Person:
        return Person(**authorization_code.data["person"])


class OpenIDConnect(OpenIDCode):
    """ID tokens signed with the derived ES256 key, for the store's client only."""

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return False  # nothing is stored; the store checks that the nonce is its own

    def resolve_client_private_key(self, client: Client) -> Any:
        forged = bool(current_app.config["QA_PROVIDER_FORGE_SIGNATURE"])
        return tokens.signing_key(secret_key(), forged)

    def get_client_algorithm(self, client: Client) -> str:
        return tokens.ALGORITHM

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": tokens.ALGORITHM, "kid": tokens.KEY_ID}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": issuer(), "aud": [client.client_id], "iat": now, "exp": now + token_ttl()}

    def generate_user_info(self, user: Person, scope: str) -> UserInfo:
        return user_info(user, scope)


def build(app: Flask, provider: str) -> AuthorizationServer:
    """One provider's authorization server for this app."""
    server = AuthorizationServer()
    server.init_app(app, query_client=lambda cid: _query_client(provider, cid),
                    save_token=lambda token, req: None)
    server.register_token_generator("default", BearerTokenGenerator(
        bearer.access_token, expires_generator=lambda client, grant_type: max(token_ttl(), 0)))
    if provider == "google":
        server.register_grant(CodeGrant, [OpenIDConnect(require_nonce=True),
                                          CodeChallenge(required=False)])
        server.register_endpoint(bearer.UserInfoClaims(resource_protector=bearer.protector()))
    else:
        server.register_grant(CodeGrant)
    return server


def _query_client(provider: str, client_id: str) -> Client | None:
    client = Client(provider)
    return client if client_id == client.client_id else None
