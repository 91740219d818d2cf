"""Shared HTTP plumbing, used by every area of the store (storefront/web/<area>/):

- rendering.py: `page` (a whole page, or the fragment htmx asked for), `see_other` (the next
  page in one answer with htmx, Post/Redirect/Get without), the visitor's cart and session,
  public URLs from the configured base URL, form helpers;
- templating.py: the filters and globals every template uses;
- pagecache.py: the page cache for signed-out visitors; requestlog.py: one log line a request;
- headers.py: security and caching headers; errors.py: error pages and the 503;
- throttle.py: login throttles; health.py: /healthz and /readyz for load balancers;
- transactions.py: `reads_only`, the mark of a view whose GET only reads.

This module wires them into the app and holds the request hooks: NUL-free form values, the
user loader and QA's clock."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, request
from flask import Request as FlaskRequest
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from storefront import clock
from storefront.extensions import db, login_manager
from storefront.models import Setting, User
from storefront.web.plumbing import (
    errors,
    headers,
    health,
    pagecache,
    requestlog,
    templating,
    transactions,
)


def init_app(app: Flask) -> None:
    requestlog.init_app(app)
    pagecache.init_app(app)
    app.request_class = CleanRequest
    transactions.init_app(app)
    login_manager.user_loader(_load_user)
    templating.init_app(app)
    app.before_request(_qa_clock)
    headers.init_app(app)
    errors.init_app(app)
    app.register_blueprint(health.bp)


def _load_user(raw: str) -> User | None:
    """Sessions name the account and its session version; a bumped version logs out."""
    try:
        user_id, version = (int(part) for part in raw.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.session_version == version else None


class _WithoutNul(ImmutableMultiDict):
    """Form and query values without NUL bytes: no person types one, PostgreSQL cannot
    store one, and the rest of what was typed is kept and checked as usual."""

    def __init__(self, mapping: Any = None) -> None:
        if mapping is not None and not isinstance(mapping, (dict, MultiDict)):
            mapping = [(k, v.replace("\x00", "") if isinstance(v, str) else v)
                       for k, v in mapping]
        super().__init__(mapping)


class CleanRequest(FlaskRequest):
    parameter_storage_class = _WithoutNul


def _qa_clock() -> None:
    """In QA mode every process reads the clock QA set (POST /_qa/clock)."""
    if request.endpoint == "static" or not request.blueprint and not request.endpoint \
            or request.blueprint == "health":  # /readyz answers for itself, in JSON
        return
    if current_app.config["QA_MODE"]:
        raw = db.session.scalar(select(Setting.value).where(Setting.key == "clock"))
        db.session.rollback()  # end the read: SQLite would hold its lock for the request
        clock.use(datetime.fromisoformat(raw) if raw else None)
