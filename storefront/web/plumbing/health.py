"""Health checks for load balancers: /healthz (the process answers) and /readyz (the
database answers and its schema is the newest migration)."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from werkzeug.wrappers import Response

from storefront import migrate
from storefront.extensions import db
from storefront.web.plumbing.transactions import reads_only

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@reads_only
def healthz() -> Response:
    """The process is up."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@reads_only
def readyz() -> tuple[Response, int]:
    """Ready for traffic: the database answers and migrations are current."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        if db.engine is None:
            raise RuntimeError("no database bound")
        current = migrate.is_current(db.engine)
    except Exception as exc:  # any failure means not ready; say which, never details
        return jsonify({"status": "unavailable", "database": type(exc).__name__}), 503
    if not current:
        return jsonify({"status": "unavailable", "migrations": "behind"}), 503
    return jsonify({"status": "ready"}), 200
