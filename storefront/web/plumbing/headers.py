"""Response headers: the security headers (nosniff and, in production, HSTS on every answer;
CSP, frame and referrer policy on every answer that can become a document) and caching
(ETags; public for a minute only when nothing of a session went into the page)."""
from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask.globals import request_ctx

from storefront.extensions import htmx

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
# Browsers apply form-action to the redirect that follows a form post: without JavaScript,
# "Continue to payment" posts here and is sent on to the provider's hosted page.
PROVIDER_PAGES = {"stripe": "https://checkout.stripe.com"}


def init_app(app: Flask) -> None:
    app.after_request(_headers)


def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if not htmx:
        _document_headers(response)
    if current_app.config["ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static":
        response.vary.add("HX-Request")
        _cacheable(response)
    return response


def _document_headers(response: Response) -> None:
    """The headers that govern a document: what it may load and run, who may frame it, what
    its links tell other sites. An answer to htmx (HX-Request) never becomes a document: htmx
    fetches it and swaps it into a page that keeps its own policy, a navigation cannot send
    HX-Request, and `Vary: HX-Request` keeps every cache from handing such an answer to one.
    So htmx answers go without these 280 bytes, which on a slow link cost each tap about 6 ms
    (HTTP/1.1 sends headers uncompressed)."""
    hosted = PROVIDER_PAGES.get(current_app.config["PAYMENT_GATEWAY"])
    response.headers.setdefault("Content-Security-Policy", CSP.replace(
        "form-action 'self'", f"form-action 'self' {hosted}") if hosted else CSP)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")


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


def _session_was_read() -> bool:
    # The `session` proxy itself marks the session read, so look at the context's copy.
    opened = getattr(request_ctx, "_session", None)
    return bool(opened is not None and opened.accessed)
