"""The store's Authlib clients for Google (OpenID Connect) and Facebook (OAuth 2 + Graph /me).

Real providers are configured from STOREFRONT_GOOGLE_* / STOREFRONT_FACEBOOK_*. In QA mode
without real credentials, the app's own local providers (storefront.web.qa.providers) stand in
for both, reached at the host the request came to (a QA instance learns its port only then).
Clients are kept per app (and per host for the local ones) rather than in the process-wide
registry of `extensions.oauth`, which holds one client per name for every app in a process.
"""
from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import Flask, current_app, request, url_for

from storefront.extensions import oauth
from storefront.services import social

LABELS = social.LABELS  # the providers and their names, in services/social.py
DISCOVERY = "/.well-known/openid-configuration"
TIMEOUT = 10  # seconds for any call to a provider
# Google documents both spellings of its issuer.
ISSUER_ALIASES = {"https://accounts.google.com": ["accounts.google.com"]}
_MAX_LOCAL_HOSTS = 8


def init_app(app: Flask) -> None:
    """Bind the OAuth registry and expose the enabled providers to templates."""
    oauth.init_app(app)
    app.extensions["social_clients"] = {}
    app.jinja_env.globals["social_providers"] = enabled


def _local(name: str) -> bool:
    """The local QA provider stands in when QA mode is on and no real client id is set."""
    cfg = current_app.config
    return bool(cfg["QA_MODE"]) and not cfg[f"{name.upper()}_CLIENT_ID"]


def enabled() -> list[tuple[str, str]]:
    """(name, label) of each provider this store can sign in with; buttons show only these."""
    cfg = current_app.config
    return [(name, label) for name, label in LABELS.items()
            if cfg[f"{name.upper()}_CLIENT_ID"] or _local(name)]


def client(name: str) -> FlaskOAuth2App | None:
    """This app's client for a provider, or None when the provider is not configured."""
    if name not in dict(enabled()):
        return None
    local = _local(name)
    key = (name, request.host_url if local else "")
    cache: dict[tuple[str, str], FlaskOAuth2App] = current_app.extensions["social_clients"]
    if key not in cache:
        if local and len(cache) >= _MAX_LOCAL_HOSTS:
            cache.clear()
        settings = _local_settings(name) if local else _real_settings(name)
        cache[key] = FlaskOAuth2App(FlaskIntegration(name), name, **settings)
    return cache[key]


def _client_kwargs(name: str) -> dict[str, Any]:
    if name == "google":
        return {"scope": "openid email profile", "code_challenge_method": "S256",
                "default_timeout": TIMEOUT}
    return {"scope": "email public_profile", "token_endpoint_auth_method": "client_secret_post",
            "default_timeout": TIMEOUT}


def _real_settings(name: str) -> dict[str, Any]:
    cfg = current_app.config
    common = {"client_id": cfg[f"{name.upper()}_CLIENT_ID"],
              "client_secret": cfg[f"{name.upper()}_CLIENT_SECRET"],
              "client_kwargs": _client_kwargs(name)}
    if name == "google":
        return {**common, "server_metadata_url": _google_metadata_url()}
    return {**common, "authorize_url": cfg["FACEBOOK_AUTHORIZE_URL"],
            "access_token_url": cfg["FACEBOOK_TOKEN_URL"], "api_base_url": cfg["FACEBOOK_API_URL"]}


def _local_settings(name: str) -> dict[str, Any]:
    # The QA area hands over its providers' credentials (QA mode only; see web/qa).
    credentials = current_app.extensions["qa_provider_credentials"]
    client_id, secret = credentials(current_app.config["SECRET_KEY"], name)
    common = {"client_id": client_id, "client_secret": secret,
              "client_kwargs": _client_kwargs(name)}
    if name == "google":
        return {**common, "server_metadata_url": _google_metadata_url()}
    return {**common, "authorize_url": url_for("qa_facebook.dialog", _external=True),
            "access_token_url": url_for("qa_facebook.access_token", _external=True),
            "api_base_url": url_for("qa_facebook.me", _external=True).removesuffix("me")}


def _google_metadata_url() -> str:
    if _local("google"):
        return url_for("qa_oidc.discovery", _external=True)
    return current_app.config["GOOGLE_METADATA_URL"]


def expected_issuers() -> list[str]:
    """The issuer a Google ID token must name: the one its discovery URL belongs to (OpenID
    Discovery 4.3), so a token issued by any other provider is refused."""
    issuer = _google_metadata_url().removesuffix(DISCOVERY)
    return [issuer, *ISSUER_ALIASES.get(issuer, [])]


def redirect_uri(name: str) -> str:
    """The callback registered with the provider: under OAUTH_REDIRECT_BASE_URL when set,
    else the store's public address (STOREFRONT_BASE_URL), never the Host header."""
    cfg = current_app.config
    base = (cfg["OAUTH_REDIRECT_BASE_URL"] or cfg["BASE_URL"]).rstrip("/")
    return base + url_for("auth.social_callback", provider=name)
