"""Catalogue: listing, search, filters, and who may buy what (R-CAT-*)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from storefront import clock
from storefront.services import catalog
from storefront.services.errors import LimitExceeded, OutOfStock, RegionRestricted, WindowClosed
from tests.builders import product


def slugs(products):
    return {p.slug for p in products}


def test_search_finds_products_by_name(session):
    assert slugs(catalog.list_products(session, query="knight")) == {"aurora-knight-figure"}
    assert catalog.list_products(session, query="%") == []


def test_the_kind_filter_separates_preorders_from_stock_R_CAT_2(session):
    instock = slugs(catalog.list_products(session, kind="instock"))
    assert instock == {"pocket-cat-keychain", "last-one-artbook"}
    assert "aurora-knight-figure" in slugs(catalog.list_products(session, kind="preorder"))


def test_the_release_month_filter_lists_that_month_only(session):
    aurora = product(session, "aurora-knight-figure")
    month = aurora.release_date.strftime("%Y-%m")
    assert month in catalog.release_months(session)
    assert "aurora-knight-figure" in slugs(catalog.list_products(session, month=month))
    assert "grand-castle-diorama" not in slugs(catalog.list_products(session, month=month))
    assert len(catalog.list_products(session, month="garbage")) == 6


def test_preorders_default_to_three_per_order_R_CAT_5(session):
    aurora = product(session, "aurora-knight-figure")
    aurora.per_order_limit = None
    assert catalog.per_order_limit(aurora) == 3
    assert catalog.per_order_limit(product(session, "last-one-artbook")) is None


def test_a_product_not_sold_in_a_region_cannot_be_bought_there_R_CAT_4(session):
    dancer = product(session, "moonlit-dancer-figure")
    assert catalog.availability(dancer, "FR").region_restricted
    assert catalog.availability(dancer, "US").can_buy
    with pytest.raises(RegionRestricted):
        catalog.check_purchasable(dancer, "FR", 1)


def test_a_closed_preorder_window_stops_preorders_R_CAT_6(session):
    closed = product(session, "closed-window-figure")
    assert not catalog.availability(closed, "US").can_buy
    with pytest.raises(WindowClosed):
        catalog.check_purchasable(closed, "US", 1)
    aurora = product(session, "aurora-knight-figure")
    clock.use(clock.now() + timedelta(days=61))
    assert not catalog.availability(aurora, "US").can_buy


def test_in_stock_products_cannot_be_sold_beyond_stock_R_CAT_6(session):
    with pytest.raises(OutOfStock):
        catalog.check_purchasable(product(session, "last-one-artbook"), "US", 2)


def test_the_per_order_limit_is_enforced_R_CAT_5(session):
    with pytest.raises(LimitExceeded):
        catalog.check_purchasable(product(session, "aurora-knight-figure"), "US", 4)
    catalog.check_purchasable(product(session, "aurora-knight-figure"), "US", 3)
