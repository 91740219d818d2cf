"""Local stand-ins for Google (OpenID Connect) and Facebook (OAuth 2), served in QA mode.

Real authorization servers built with Authlib's server side; nothing they hand out is
stored (see tokens.py), so every gunicorn worker of a QA instance answers alike.
"""
from __future__ import annotations

from flask import Blueprint, Flask

from storefront.web.qa.providers import bearer, facebook, oidc, server
from storefront.web.qa.providers.tokens import credentials

blueprints: tuple[Blueprint, ...] = (oidc.bp, facebook.bp)
# Called by the store's server, not a browser form: no CSRF token (the sign-in pages have one).
machine_endpoints = (oidc.token, oidc.userinfo, facebook.access_token)

__all__ = ["blueprints", "credentials", "init_app", "machine_endpoints"]


def init_app(app: Flask) -> None:
    """Build this app's two authorization servers and the guard of their APIs."""
    app.extensions["qa_providers"] = {"google": server.build(app, "google"),
                                      "facebook": server.build(app, "facebook"),
                                      "guard": bearer.protector()}
