"""The QA providers' Authlib authorization servers: code grant, OpenID Connect, bearer tokens."""
from __future__ import annotations

import hmac
import time
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, current_app, request, url_for

from storefront.qa_providers import tokens
from storefront.qa_providers.tokens import Person

SCOPES = {"google": {"openid", "email", "profile"}, "facebook": {"email", "public_profile"}}
AUTH_METHODS = {"google": "client_secret_basic", "facebook": "client_secret_post"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _secret() -> str:
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
        self.client_id, self.client_secret = tokens.credentials(_secret(), provider)

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

    def get_code_challenge(self) -> str | None:
        return self.data["challenge"]

    def get_code_challenge_method(self) -> str | None:
        return self.data["challenge_method"]


class CodeGrant(AuthorizationCodeGrant):
    """The code grant, with codes sealed instead of stored (they die after CODE_TTL)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def generate_authorization_code(self) -> str:
        data = self.request.payload.data
        return tokens.seal(_secret(), "code", {
            "client_id": self.request.client.client_id, "redirect_uri": data.get("redirect_uri"),
            "scope": self.request.scope, "nonce": data.get("nonce"),
            "challenge": data.get("code_challenge"),
            "challenge_method": data.get("code_challenge_method"),
            "auth_time": int(time.time()), "person": asdict(self.request.user)})

    def save_authorization_code(self, code: str, request: Any) -> None:
        """Nothing to save: the code is sealed."""

    def query_authorization_code(self, code: str, client: Client) -> SealedCode | None:
        data = tokens.unseal(_secret(), "code", code, tokens.CODE_TTL)
        return SealedCode(data) if data and data["client_id"] == client.client_id else None

    def delete_authorization_code(self, authorization_code: SealedCode) -> None:
        """A sealed code cannot be withdrawn; it expires after CODE_TTL seconds."""

    def authenticate_user(self, authorization_code: SealedCode) -> Person:
        return Person(**authorization_code.data["person"])


def user_info(person: Person, scope: str) -> UserInfo:
    """The claims a scope releases about a person."""
    scopes = scope.split()
    info = UserInfo(sub=person.sub)
    if "email" in scopes:
        info.update(email=person.email, email_verified=person.email_verified)
    if "profile" in scopes or "public_profile" in scopes:
        info["name"] = person.name
    return info


class OpenIDConnect(OpenIDCode):
    """ID tokens signed with the derived ES256 key, for the store's client only."""

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return False  # nothing is stored; the store checks that the nonce is its own

    def resolve_client_private_key(self, client: Client) -> Any:
        forged = bool(current_app.config["QA_PROVIDER_FORGE_SIGNATURE"])
        return tokens.signing_key(_secret(), forged)

    def get_client_algorithm(self, client: Client) -> str:
        return tokens.ALGORITHM

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": tokens.ALGORITHM, "kid": tokens.KEY_ID}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": issuer(), "aud": [client.client_id], "iat": now, "exp": now + token_ttl()}

    def generate_user_info(self, user: Person, scope: str) -> UserInfo:
        return user_info(user, scope)


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
    def authenticate_token(self, token_string: str) -> SealedToken | None:
        data = tokens.unseal(_secret(), "access", token_string, token_ttl())
        return SealedToken(data) if data else None


class UserInfoClaims(UserInfoEndpoint):
    def get_issuer(self) -> str:
        return issuer()

    def generate_user_info(self, user: Person, scope: str) -> UserInfo:
        return user_info(user, scope)


def _access_token(client: Client, grant_type: str, user: Person, scope: str) -> str:
    return tokens.seal(_secret(), "access", {"client_id": client.client_id, "scope": scope,
                                             "provider": client.provider,
                                             "person": asdict(user)})


def protector() -> ResourceProtector:
    """Guards the userinfo and Graph-like /me endpoints with the sealed bearer tokens."""
    guard = ResourceProtector()
    guard.register_token_validator(SealedTokenValidator())
    return guard


def build(app: Flask, provider: str) -> AuthorizationServer:
    """One provider's authorization server for this app."""
    server = AuthorizationServer()
    server.init_app(app, query_client=lambda cid: _query_client(provider, cid),
                    save_token=lambda token, req: None)
    server.register_token_generator("default", BearerTokenGenerator(
        _access_token, expires_generator=lambda client, grant_type: max(token_ttl(), 0)))
    if provider == "google":
        server.register_grant(CodeGrant, [OpenIDConnect(require_nonce=True),
                                          CodeChallenge(required=False)])
        server.register_endpoint(UserInfoClaims(resource_protector=protector()))
    else:
        server.register_grant(CodeGrant)
    return server


def _query_client(provider: str, client_id: str) -> Client | None:
    client = Client(provider)
    return client if client_id == client.client_id else None
