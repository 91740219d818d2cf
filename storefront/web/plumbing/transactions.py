"""Requests that only read: a view marked `@reads_only` (right under its route decorator)
has its GET and HEAD run without a write lock: SQLite begins their transaction DEFERRED,
PostgreSQL runs them in autocommit (storefront/db.py). Everything else begins IMMEDIATE."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request

from storefront.db import sqlite_begin

F = TypeVar("F", bound=Callable[..., Any])


def reads_only(view: F) -> F:
    """Mark a view whose GET and HEAD only read."""
    view.reads_only = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    app.before_request(_begin)


def _begin() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method in ("GET", "HEAD") and (request.endpoint == "static"
                                              or getattr(view, "reads_only", False)):
        sqlite_begin.set("DEFERRED")
