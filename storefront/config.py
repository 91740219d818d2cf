"""Settings in one place: defaults, then STOREFRONT_* environment variables, then a dict."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

PREFIX = "STOREFRONT_"

DEFAULTS: dict[str, Any] = {
    "ENV": "development",  # development | production
    "SECRET_KEY": "dev-only-not-secret",
    "DATABASE_URL": "sqlite:///instance/storefront.db",
    "REDIS_URL": "",
    "QA_MODE": False,
    # Shipping fee per order in cents, by destination country; "*" is everyone else (R-CHK-4).
    "SHIPPING_FEES": {"*": 1800},
    # Preorders whose total exceeds this (cents) are charged at ordering (R-PAY-2).
    "CHARGE_AT_ORDER_THRESHOLD": 100000,
    "DEFAULT_PREORDER_LIMIT": 3,
    # Days a customer has to fix a failed charge before the order is cancelled (R-PAY-4).
    "PAYMENT_DEADLINE_DAYS": 7,
    # The store's public address, for links in emails.
    "BASE_URL": "http://127.0.0.1:5000",
    "PAYMENT_GATEWAY": "test",
    # Verify each new card with a small authorisation voided at once (R-CHK-6).
    "VERIFY_CARDS": False,
    "STRIPE_SECRET_KEY": "",
    "MAIL_FROM": "Storefront <orders@storefront.example>",
    "SUPPORT_EMAIL": "support@storefront.example",
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    # Jobs run in-process right after commit unless a worker runs the queue.
    "JOBS_IMMEDIATE": True,
    "HUEY_SQLITE_PATH": "instance/huey.db",
    "LOGIN_RATE_LIMIT": "10 per minute",
    "PER_PAGE": 24,
    # Seconds each process keeps the catalogue and product pages first visits see (no
    # session yet); 0 turns the cache off. Never used in QA mode. See web/pagecache.py.
    "PAGE_CACHE_SECONDS": 2,
    # Seconds each process keeps the catalogue's counts per filter value (issue 15); 0: off
    "CATALOGUE_COUNTS_SECONDS": 30,
    # Google and Facebook sign-in (R-ACC-2): a provider shows only when its client id is set,
    # or, in QA mode without real credentials, through the local test providers.
    "GOOGLE_CLIENT_ID": "",
    "GOOGLE_CLIENT_SECRET": "",
    "GOOGLE_METADATA_URL": "https://accounts.google.com/.well-known/openid-configuration",
    "FACEBOOK_CLIENT_ID": "",
    "FACEBOOK_CLIENT_SECRET": "",
    "FACEBOOK_AUTHORIZE_URL": "https://www.facebook.com/v22.0/dialog/oauth",
    "FACEBOOK_TOKEN_URL": "https://graph.facebook.com/v22.0/oauth/access_token",
    "FACEBOOK_API_URL": "https://graph.facebook.com/v22.0/",
    # Public origin for the /auth/<provider>/callback redirect URIs; empty: the request's host.
    "OAUTH_REDIRECT_BASE_URL": "",
    # Test-only knobs of the local QA providers (storefront/qa_providers): the issuer they
    # claim (empty: their own URL), the life of their tokens in seconds (negative: already
    # expired), and signing ID tokens with a key their JWKS does not publish (a forgery).
    "QA_PROVIDER_ISSUER": "",
    "QA_PROVIDER_TOKEN_TTL": 3600,
    "QA_PROVIDER_FORGE_SIGNATURE": False,
}

_BOOL = {"1": True, "true": True, "yes": True, "on": True,
         "0": False, "false": False, "no": False, "off": False, "": False}


def _coerce(raw: str, default: Any) -> Any:
    """Read an environment string as the type of its default."""
    if isinstance(default, bool):
        return _BOOL.get(raw.strip().lower(), False)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, dict):
        return json.loads(raw)
    return raw


def load(overrides: dict[str, Any] | None = None, environ: Mapping[str, str] | None = None
         ) -> dict[str, Any]:
    """Defaults, then the prefixed environment, then overrides."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        if PREFIX + key in env:
            settings[key] = _coerce(env[PREFIX + key], default)
    settings.update(overrides or {})
    return settings


class ConfigError(RuntimeError):
    """The settings cannot run a store (raised at start-up)."""


def check(settings: dict[str, Any]) -> None:
    """Refuse settings that would be dangerous at start-up."""
    if settings["ENV"] == "production":
        if settings["QA_MODE"]:
            raise ConfigError("STOREFRONT_QA_MODE cannot be on when STOREFRONT_ENV=production: "
                              "QA mode exposes /_qa/ endpoints and a test payment gateway.")
        if settings["SECRET_KEY"] == DEFAULTS["SECRET_KEY"]:
            raise ConfigError("Set STOREFRONT_SECRET_KEY to a long random value in production.")
