"""Browsing from a micro-cache: the catalogue and product pages a visitor sees before
signing in or filling a cart are the same for everyone but the CSRF token, so each process
keeps them for a few seconds (STOREFRONT_PAGE_CACHE_SECONDS) and puts the visitor's own
token into the kept page on every answer. Nothing of a session is ever kept: a session that
holds anything but its CSRF token (a cart, a sign-in, a message), and any htmx request, get
the page rendered as usual. Stock and prices are always checked again when the customer
adds to the cart and orders, so a page seconds old costs nothing but a late "Sold out"."""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from cachetools import TTLCache
from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from storefront.web.plumbing.rendering import has_session

# Stands in for the CSRF token while a kept page renders; random per process, so no text
# a customer or the staff writes can equal it, and it is replaced before any page leaves.
TOKEN_MARK = "csrf-mark-" + secrets.token_hex(16)
MAX_PAGES = 512  # query strings are open-ended; the oldest pages go first
EXTENSION = "storefront.page_cache"
# What the session of a visitor who has neither signed in nor started a cart holds.
ANONYMOUS_KEYS = frozenset({"csrf_token", "_fresh"})


def now() -> float:
    """The cache's clock (tests move it instead of sleeping)."""
    return time.monotonic()


class _Pages:
    def __init__(self, seconds: int) -> None:
        self.lock = threading.Lock()
        self.pages: TTLCache[str, str] = TTLCache(MAX_PAGES, seconds, timer=lambda: now())


def init_app(app: Flask) -> None:
    """Turn the cache on when it has a lifetime (never in QA mode: QA moves stock, prices
    and the clock and expects the next page to show it), and let templates ask for the
    CSRF token through `csrf_token()` either way."""
    seconds = int(app.config["PAGE_CACHE_SECONDS"])
    app.extensions.pop(EXTENSION, None)
    if seconds > 0 and not app.config["QA_MODE"]:
        app.extensions[EXTENSION] = _Pages(seconds)
    # Flask-WTF hands templates generate_csrf as a global and from a context processor;
    # both now go through csrf_token below (processors registered later win).
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})


def csrf_token() -> str:
    """The session's CSRF token, or the mark while a page for the cache renders."""
    return TOKEN_MARK if g.get("rendering_for_cache") else generate_csrf()


def _variant() -> str | None:
    """Which kept page this request may have: "new" for a visitor without a session,
    "token" for one whose session holds only its CSRF token (and Flask-Login's freshness
    mark, which it sets on any session without a sign-in), else None (render it)."""
    if request.method != "GET" or "HX-Request" in request.headers:
        return None
    if not has_session():
        return "new"
    return "token" if set(session) <= ANONYMOUS_KEYS else None


def for_visitors(view: Callable[..., str]) -> Callable[..., Any]:
    """Serve a GET page that returns its HTML as a string from the cache to visitors who
    have neither signed in nor started a cart; everyone else gets the view itself."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        pages: _Pages | None = current_app.extensions.get(EXTENSION)
        if pages is None or (variant := _variant()) is None:
            return view(*args, **kwargs)
        key = f"{variant} {request.full_path}"
        with pages.lock:
            html = pages.pages.get(key)
        if html is None:
            g.rendering_for_cache = True
            try:
                html = view(*args, **kwargs)
            finally:
                g.rendering_for_cache = False
            if not isinstance(html, str):  # views here only return pages; keep no other
                return html
            # A render that put more into the session (a sign-in from a remember cookie, say)
            # was this visitor's alone. A visitor without a session cannot: signed_in() says
            # no without looking, and looking would make the page private.
            if variant == "new" or set(session) <= ANONYMOUS_KEYS:
                with pages.lock:
                    pages.pages[key] = html
        return html.replace(TOKEN_MARK, generate_csrf()) if TOKEN_MARK in html else html

    return wrapper
