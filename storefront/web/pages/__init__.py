"""The shop's own pages (templates/pages/): the ordering guide, terms, privacy, contact."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("pages", __name__)

from storefront.web.pages import routes  # noqa: E402,F401,I001


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
