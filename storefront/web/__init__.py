"""HTTP at the edge: one package per area of the store, each with its routes and its
templates in templates/<area>/, over the shared plumbing in plumbing/ (rendering, page cache,
request log, headers, error pages, throttles, health checks). Areas talk to the services,
never to each other; docs/architecture.md has the map."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from storefront.web import account, admin, auth, cart, checkout, pages, plumbing, qa, shop

AREAS = (shop, cart, checkout, account, auth, admin, pages, qa)


class _IdConverter(IntegerConverter):
    """<int:...> in URLs: ids beyond the database's integer range are simply not found."""

    def __init__(self, url_map, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = _IdConverter
    plumbing.init_app(app)
    for area in AREAS:
        area.init_app(app)
