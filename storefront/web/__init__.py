"""HTTP at the edge: shared request hooks, template helpers and error pages."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, request
from flask import Request as FlaskRequest
from flask.globals import request_ctx
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as DBTimeoutError
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from storefront.db import sqlite_begin
from storefront.extensions import db, login_manager
from storefront.models import Setting, User
from storefront.services import accounts, clock, orders, states
from storefront.services import cart as carts
from storefront.services.money import usd
from storefront.web import media, pagecache, requestlog, seo
from storefront.web.common import has_session, page, request_cart, signed_in

log = logging.getLogger(__name__)
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
# Browsers apply form-action to the redirect that follows a form post: without JavaScript,
# "Continue to payment" posts here and is sent on to the provider's hosted page.
PROVIDER_PAGES = {"stripe": "https://checkout.stripe.com"}


# GET pages that only read: their SQLite transactions need no write lock (see db.py).
READ_ONLY = {"shop", "pages", "media", "health", "admin_reports", "admin_search"}
READ_ONLY_ENDPOINTS = {"cart.show", "account.orders_page", "account.order", "static",
                       "admin.orders_page"}


def init_app(app: Flask) -> None:
    requestlog.init_app(app)
    pagecache.init_app(app)
    app.request_class = CleanRequest
    app.before_request(_reads_only)
    login_manager.user_loader(_load_user)
    app.jinja_env.filters["usd"] = usd
    app.jinja_env.filters["day"] = lambda d: d.strftime("%B %-d, %Y") if d else ""
    app.jinja_env.globals["country_name"] = accounts.country_name
    app.jinja_env.globals["countries"] = accounts.countries
    app.jinja_env.globals["image_url"] = media.image_url
    app.jinja_env.globals["image_srcset"] = media.image_srcset
    app.jinja_env.globals["image_height"] = media.image_height
    app.jinja_env.globals["has_session"] = has_session
    app.jinja_env.globals["signed_in"] = signed_in
    app.jinja_env.globals["order_status"] = orders.display_status
    app.jinja_env.globals["can_update_payment"] = states.can_update_payment
    app.jinja_env.globals["product_ld"] = seo.product_ld
    app.jinja_env.filters["iso"] = seo.datetime_attr
    app.jinja_env.filters["meta"] = seo.meta_text
    app.jinja_env.filters["ld_json"] = seo.ld_json
    app.context_processor(_header)
    app.before_request(_qa_clock)
    app.after_request(_headers)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)
    app.register_error_handler(CSRFError, _csrf_error)
    for unreachable in (OperationalError, InterfaceError, DBTimeoutError):
        app.register_error_handler(unreachable, _database_unavailable)


def _load_user(raw: str) -> User | None:
    """Sessions name the account and its session version; a bumped version logs out."""
    try:
        user_id, version = (int(part) for part in raw.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.session_version == version else None


def _header() -> dict:
    """The cart count every page shows in its header."""
    return {"cart_count": carts.count(request_cart()), "current_user": current_user}


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


def _reads_only() -> None:
    if request.method in ("GET", "HEAD") and (request.blueprint in READ_ONLY
                                              or request.endpoint in READ_ONLY_ENDPOINTS):
        sqlite_begin.set("DEFERRED")


def _qa_clock() -> None:
    """In QA mode every process reads the clock QA set (POST /_qa/clock)."""
    if request.endpoint == "static" or not request.blueprint and not request.endpoint \
            or request.blueprint == "health":  # /readyz answers for itself, in JSON
        return
    if current_app.config["QA_MODE"]:
        raw = db.session.scalar(select(Setting.value).where(Setting.key == "clock"))
        db.session.rollback()  # end the read: SQLite would hold its lock for the request
        clock.use(datetime.fromisoformat(raw) if raw else None)


def _headers(response: Response) -> Response:
    hosted = PROVIDER_PAGES.get(current_app.config["PAYMENT_GATEWAY"])
    response.headers.setdefault("Content-Security-Policy", CSP.replace(
        "form-action 'self'", f"form-action 'self' {hosted}") if hosted else CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static":
        response.vary.add("HX-Request")
        _cacheable(response)
    return response


def _cacheable(response: Response) -> Response:
    """ETags for every page; a shared cache may keep a page for a minute only when nothing
    of a session went into it (no cookie read, no token, no cart, no flash)."""
    if "Cache-Control" in response.headers:
        return response
    if request.method == "GET" and response.status_code == 200 and response.mimetype == \
            "text/html" and not response.direct_passthrough:
        response.add_etag()
        response.make_conditional(request)
    if request.method in ("GET", "HEAD") and response.status_code in (200, 304) \
            and not _session_was_read():
        response.cache_control.public = True
        response.cache_control.max_age = 60
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    return response


MESSAGES = {
    400: ("Bad request", "We could not read that request. Please go back and try again."),
    403: ("Not allowed", "You do not have access to this page."),
    404: ("Page not found", "We could not find that page."),
    405: ("Not allowed", "That action is not available here."),
    413: ("Too large", "That request was too large."),
    429: ("Too many attempts", "Too many attempts. Please wait a minute and try again."),
    500: ("Something went wrong", "Something went wrong on our side. Nothing was charged "
                                  "twice; please try again."),
}


def _session_was_read() -> bool:
    # The `session` proxy itself marks the session read, so look at the context's copy.
    opened = getattr(request_ctx, "_session", None)
    return bool(opened is not None and opened.accessed)


def _error_page(error: Exception) -> tuple[str, int] | Response:
    code = getattr(error, "code", 500) or 500
    original = getattr(error, "original_exception", None)
    if isinstance(original, (OperationalError, InterfaceError, DBTimeoutError)):
        return _database_unavailable(original)
    title, text = MESSAGES.get(code, MESSAGES[500])
    try:
        if code == 500:
            db.session.rollback()
        return page("errors/error.html", title=title, text=text), code
    except (OperationalError, InterfaceError, DBTimeoutError) as exc:  # the page reads the cart
        return _database_unavailable(exc)


def _database_unavailable(error: Exception) -> Response:
    """The database cannot be reached (stopped, restarting, pool exhausted): a short page
    that needs nothing from it, 503 with Retry-After, never a traceback. Connections the
    outage broke are dropped; pool_pre_ping replaces them once it is back."""
    log.warning("database unavailable: %s", type(error).__name__)
    db.remove()  # rolls back, or drops the session whose connection is gone
    # Straight from the template: the context processors would read the cart and account.
    html = current_app.jinja_env.get_template("errors/unavailable.html").render(
        request=request)
    response = Response(html, 503, mimetype="text/html")
    response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return page("errors/error.html", title="Page expired",
                text="This form has expired. Please reload the page and submit again."), 400
