"""The catalogue's counts per filter value, kept a few seconds per process (issue 15).

Counting every series, character and maker under the other filters reads the whole
catalogue; the products of a page are a keyset lookup. Pages of the same filters share
their counts (the next page, another visitor, a signed-in customer of the same region), so
each process keeps them for STOREFRONT_CATALOGUE_COUNTS_SECONDS (30). A count can be that
much behind a stock change; the products listed and the buy button never are. Off in QA
mode and in tests, which expect the next page to show what they just changed."""
from __future__ import annotations

import threading

from cachetools import TTLCache
from flask import current_app

from storefront.extensions import db
from storefront.services import browse

EXTENSION = "storefront.catalogue_counts"
MAX_KEYS = 1024


class _Kept:
    def __init__(self, seconds: int) -> None:
        self.lock = threading.Lock()
        self.counts: TTLCache[str, dict] = TTLCache(MAX_KEYS, seconds)


def _kept() -> _Kept | None:
    app = current_app
    if EXTENSION not in app.extensions:
        seconds = int(app.config.get("CATALOGUE_COUNTS_SECONDS", 0))
        off = seconds <= 0 or app.config.get("QA_MODE") or app.testing
        app.extensions[EXTENSION] = None if off else _Kept(seconds)
    return app.extensions[EXTENSION]


def facets(filters: browse.Filters, region: str | None) -> dict[str, list[browse.Facet]]:
    """The counts of these filters (paging aside) for this region, kept or counted now."""
    kept = _kept()
    if kept is None:
        return browse.facets(db.session, filters, region)
    shown = sorted(filters.args(sort="").items())  # every sort has the same counts
    key = f"{region or ''} {shown}"
    with kept.lock:
        found = kept.counts.get(key)
    if found is None:
        found = browse.facets(db.session, filters, region)
        with kept.lock:
            kept.counts[key] = found
    return found
