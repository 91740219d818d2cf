"""Error pages: 4xx and 500 in the layout, a CSRF failure as "Page expired", and a short
503 that needs nothing from the database when the database cannot be reached."""
from __future__ import annotations

import logging

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as DBTimeoutError

from storefront.extensions import db
from storefront.web.plumbing.rendering import page

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)
    app.register_error_handler(CSRFError, _csrf_error)
    for unreachable in (OperationalError, InterfaceError, DBTimeoutError):
        app.register_error_handler(unreachable, _database_unavailable)


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
