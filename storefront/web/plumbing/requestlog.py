"""Structured request logs: one JSON line per request with a request id, and no personal
or card data (paths only, no query strings or form fields)."""
from __future__ import annotations

import json
import logging
import secrets
import time

from flask import Flask, Response, g, request

from storefront.extensions import htmx

log = logging.getLogger("storefront.requests")


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else \
        secrets.token_hex(8)
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if request.endpoint == "static":
        return response
    log.info(json.dumps({
        "request_id": g.get("request_id"), "method": request.method,
        "path": request.path[:200], "endpoint": request.endpoint,
        "status": response.status_code,
        "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
        "htmx": bool(htmx),
    }))
    return response
