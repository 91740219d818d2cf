"""The catalogue's counts per filter value and its search rankings, kept a few seconds per
process (issue 15; services/kept.py keeps them, services/browse.py decides what).

Counting every series, character and maker under the other filters reads the whole
catalogue, and ranking a search reads every match; the products of a page are a keyset
(or id) lookup. Pages of the same filters share their counts (the next page, another
visitor, a signed-in customer of the same region), and every page of a search its
ranking, so each process keeps them for STOREFRONT_CATALOGUE_COUNTS_SECONDS (30). A count
or a search's order can be that much behind a change; the products listed (their price and
stock) and the buy button never are. Off in QA mode and in tests, which expect the next
page to show what they just changed."""
from __future__ import annotations

from flask import current_app

from storefront.extensions import db
from storefront.services import browse
from storefront.services.kept import Kept

EXTENSION = "storefront.catalogue_counts"


def kept() -> Kept | None:
    """This app's kept counts and rankings, or None when it keeps none."""
    app = current_app
    if EXTENSION not in app.extensions:
        seconds = int(app.config.get("CATALOGUE_COUNTS_SECONDS", 0))
        off = seconds <= 0 or app.config.get("QA_MODE") or app.testing
        app.extensions[EXTENSION] = None if off else Kept(seconds)
    return app.extensions[EXTENSION]


def facets(filters: browse.Filters, region: str | None) -> dict[str, list[browse.Facet]]:
    """The counts of these filters (paging aside) for this region, kept or counted now."""
    return browse.kept_facets(db.session, filters, region, kept())
