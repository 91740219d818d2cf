"""Signing in and out (templates/auth/): login, registration, logout, forgotten passwords,
and Google and Facebook sign-in with its follow-up pages (country, linking)."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)

from storefront.web.auth import password_reset, routes, social  # noqa: E402,F401,I001


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    social.init_app(app)
