"""Storefront: a server-rendered store for preorder figures and collectibles."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

from storefront import config as settings_mod
from storefront.extensions import compress, csrf, db, digest, htmx, limiter, login_manager

ROOT = Path(__file__).resolve().parent.parent


# Brotli quality for pages and fragments: 5 makes them about 8 % smaller than Flask-Compress's
# default 4 for the same time (0.2 ms for a checkout step); 9 and up take 2 to 8 ms each.
PAGE_BROTLI = 5


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then STOREFRONT_* environment, then `config`."""
    settings = settings_mod.load(config)
    settings_mod.check(settings)
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    app.config.update(settings)
    app.session_interface = _SessionCookies()
    production = settings["ENV"] == "production"
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production, REMEMBER_COOKIE_SECURE=production,
        WTF_CSRF_TIME_LIMIT=None, MAX_CONTENT_LENGTH=1024 * 1024,
        RATELIMIT_STORAGE_URI=settings["REDIS_URL"] or "memory://",
        # Redis down: each process counts in its own memory until Redis answers again,
        # rather than failing the login (see README, Running in production).
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True, RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1},
        RATELIMIT_HEADERS_ENABLED=False, COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_BR_LEVEL=PAGE_BROTLI, COMPRESS_MIN_SIZE=500,
        TEMPLATES_AUTO_RELOAD=not production,
        FLASK_STATIC_DIGEST_COMPRESSION=["gzip", "brotli"],
    )
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    _init_extensions(app)
    _register_blueprints(app)
    _trust_proxies(app, int(settings["PROXY_HOPS"]))
    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind N trusted proxies (STOREFRONT_PROXY_HOPS), the client address and scheme are
    what the N-th proxy from us saw; with 0, X-Forwarded-* headers are ignored. The host is
    never taken from a header: links use STOREFRONT_BASE_URL."""
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def _init_extensions(app: Flask) -> None:
    from storefront import jobs
    from storefront.payments import setup as payments_setup

    db.init_app(app)
    digest.init_app(app)
    _serve_static(app)
    csrf.init_app(app)
    htmx.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    # Flask-Login's own context processor reads the session on every page; ours hands
    # templates the lazy proxy, so pages that never look at the user stay cacheable.
    login_manager.init_app(app, add_context_processor=False)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in or register to continue."
    login_manager.login_message_category = "info"
    payments_setup.init_app(app)
    jobs.init_app(app)


class _SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its signer built once per key rather than twice
    per request (reading and writing the cookie each built one)."""

    def get_signing_serializer(self, app: Flask) -> Any:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = getattr(self, "_signer", None)
        if cached is None or cached[0] != keys:
            cached = self._signer = (keys, super().get_signing_serializer(app))
        return cached[1]


class _StaticFiles(WhiteNoise):
    FOREVER = 365 * 24 * 3600  # hashed names change with their content: a year, immutable


def _serve_static(app: Flask) -> None:
    """WhiteNoise serves static files: precompressed (br, gzip) when `flask digest compile`
    made them, and content-hashed names cached for a year as immutable."""
    hashed = re.compile(r"-[0-9a-f]{32}\.\w+$")
    app.wsgi_app = _StaticFiles(  # type: ignore[method-assign]
        app.wsgi_app, root=app.static_folder, prefix="static/", max_age=3600,
        autorefresh=app.config["ENV"] != "production",
        immutable_file_test=lambda _path, url: bool(hashed.search(url)),
        add_headers_function=_static_headers)


def _static_headers(headers: Any, _path: str, _url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def _register_blueprints(app: Flask) -> None:
    from storefront import cli, web

    web.init_app(app)
    cli.init_app(app)
