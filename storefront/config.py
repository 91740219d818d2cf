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
    # The store's public address: every link in an email and every return address given
    # to a payment or sign-in provider. Required in production; the Host header never is.
    "BASE_URL": "",  # development and tests: DEV_BASE_URL
    # test (development, tests, QA mode; refused in production) | stripe
    "PAYMENT_GATEWAY": "test",
    # Verify each new card with a small authorisation voided at once (R-CHK-6).
    "VERIFY_CARDS": False,
    "STRIPE_SECRET_KEY": "",
    # The signing secret of the webhook endpoint registered at Stripe (whsec_...); the
    # endpoint, /payments/stripe/webhook, answers 404 while it is empty.
    "STRIPE_WEBHOOK_SECRET": "",
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
    # Login, registration and reset POSTs per client address; the longer windows are the
    # back-off: a client that keeps failing waits an hour, then a day (web/plumbing/throttle.py).
    "LOGIN_RATE_LIMIT": "10 per minute;100 per hour;500 per day",
    # Failed logins per account from any address (a spread-out guesser), with back-off.
    "ACCOUNT_LOGIN_RATE_LIMIT": "5 per minute;20 per hour;60 per day",
    # How many proxies in front of the app to trust for X-Forwarded-For/-Proto (ProxyFix);
    # 0: forwarded headers are ignored and the client is the TCP peer.
    "PROXY_HOPS": 0,
    # Seconds to connect to the SMTP server, and for each command once connected.
    "SMTP_CONNECT_TIMEOUT": 5,
    "SMTP_SEND_TIMEOUT": 10,
    "PER_PAGE": 24,
    # Seconds each process keeps the catalogue and product pages first visits see (no
    # session yet); 0 turns the cache off. Never used in QA mode. See web/plumbing/pagecache.py.
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


# QA mode's own defaults where the environment says nothing: a QA team's scripts sign in
# from one address far more often than a person would (the throttles stay on, looser).
QA_DEFAULTS: dict[str, Any] = {"LOGIN_RATE_LIMIT": "600 per minute",
                               "ACCOUNT_LOGIN_RATE_LIMIT": "60 per minute"}


def load(overrides: dict[str, Any] | None = None, environ: Mapping[str, str] | None = None
         ) -> dict[str, Any]:
    """Defaults, then the prefixed environment, then overrides."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        if PREFIX + key in env:
            settings[key] = _coerce(env[PREFIX + key], default)
    settings.update(overrides or {})
    if settings["QA_MODE"]:  # QA scripts sign in many times a minute from one address
        for key, value in QA_DEFAULTS.items():
            if PREFIX + key not in env and key not in (overrides or {}):
                settings[key] = value
    if not settings["BASE_URL"] and settings["ENV"] != "production":
        settings["BASE_URL"] = DEV_BASE_URL
    settings["BASE_URL"] = str(settings["BASE_URL"]).rstrip("/")
    return settings


DEV_BASE_URL = "http://127.0.0.1:5000"


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
        if not str(settings["BASE_URL"]).startswith(("https://", "http://")):
            raise ConfigError("Set STOREFRONT_BASE_URL to the store's public address (e.g. "
                              "https://shop.example) in production: links in emails and "
                              "provider redirects are built from it, never from the Host "
                              "header.")
        if settings["PAYMENT_GATEWAY"] in ("", "test"):
            raise ConfigError("STOREFRONT_PAYMENT_GATEWAY must name a real payment provider "
                              "(stripe) when STOREFRONT_ENV=production: the test gateway "
                              "takes no money and serves a pretend PayPal page.")
