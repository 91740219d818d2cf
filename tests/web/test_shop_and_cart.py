"""Catalogue and cart through HTTP: full pages without JavaScript, fragments for htmx."""
from __future__ import annotations

import re

from tests.builders import login

HX = {"HX-Request": "true"}


def test_the_catalogue_lists_every_product_with_its_hook(client):
    page = client.get("/")
    assert page.status_code == 200
    assert len(re.findall(rb'data-testid="product-card" data-slug="', page.data)) == 6


def test_search_and_filters_narrow_the_list(client):
    page = client.get("/?q=cat&kind=instock")
    assert re.findall(rb'data-slug="([^"]+)"', page.data) == [b"pocket-cat-keychain"]


def test_the_filter_answers_htmx_with_the_results_fragment_only(client):
    page = client.get("/?kind=preorder", headers=HX | {"HX-Target": "results"})
    assert b"<html" not in page.data and b"product-card" in page.data
    assert "HX-Request" in page.headers["Vary"]


def test_a_preorder_page_shows_price_tax_release_date_and_notices_R_CAT_1_R_CAT_2(client):
    page = client.get("/products/aurora-knight-figure").get_data(as_text=True)
    assert 'data-testid="product-price">$189.99<' in page and "tax included" in page
    assert 'data-testid="release-date"' in page and "may change" in page
    assert 'data-testid="customs-notice"' in page
    assert 'data-testid="order-limit">Limit: 3 per order' in page


def test_the_buy_button_reads_by_kind_R_CAT_3(client):
    preorder = client.get("/products/aurora-knight-figure").get_data(as_text=True)
    instock = client.get("/products/pocket-cat-keychain").get_data(as_text=True)
    assert 'data-testid="preorder-button">Preorder Now<' in preorder
    assert 'data-testid="add-to-cart-button">Add to Cart<' in instock
    assert "add-to-cart-button" not in preorder and "preorder-button" not in instock


def test_a_closed_preorder_window_has_no_buy_button_R_CAT_6(client):
    page = client.get("/products/closed-window-figure").get_data(as_text=True)
    assert "Preorders for this product have closed" in page and "preorder-button" not in page


def test_a_restricted_product_says_so_in_that_region_and_cannot_be_added_R_CAT_4(client):
    login(client, "qa.fr@example.com")
    page = client.get("/products/moonlit-dancer-figure").get_data(as_text=True)
    assert 'data-testid="region-restricted-notice"' in page and "preorder-button" not in page
    direct = client.post("/cart/add", data={"slug": "moonlit-dancer-figure", "quantity": "1"},
                         follow_redirects=True)
    assert 'data-code="region_restricted"' in direct.get_data(as_text=True)
    assert 'data-testid="cart-count">0<' in client.get("/cart/").get_data(as_text=True)


def test_unknown_products_are_404(client):
    assert client.get("/products/no-such-thing").status_code == 404


def test_adding_without_javascript_redirects_to_the_cart_with_303(client):
    response = client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "2"})
    assert response.status_code == 303 and response.headers["Location"] == "/cart/"
    cart = client.get("/cart/").get_data(as_text=True)
    assert 'data-testid="cart-count">2<' in cart and 'data-testid="cart-subtotal">$24.00<' in cart


def test_adding_with_htmx_returns_a_small_fragment_with_the_new_count(client):
    response = client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "2"},
                           headers=HX | {"HX-Target": "added"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert 'hx-swap-oob="true">2<' in body
    assert len(response.data) < 2048


def test_over_the_limit_is_refused_with_a_message_and_keeps_the_cart_R_CAT_5(client):
    client.post("/cart/add", data={"slug": "aurora-knight-figure", "quantity": "3"})
    refused = client.post("/cart/add", data={"slug": "aurora-knight-figure", "quantity": "1"},
                          follow_redirects=True).get_data(as_text=True)
    assert 'data-code="limit_exceeded"' in refused
    assert 'data-testid="cart-count">3<' in client.get("/cart/").get_data(as_text=True)


def test_htmx_refusal_is_a_422_fragment_the_page_swaps_in(client):
    response = client.post("/cart/add", data={"slug": "last-one-artbook", "quantity": "5"},
                           headers=HX | {"HX-Target": "added"})
    assert response.status_code == 422 and b"Only 1 of Last One Artbook left" in response.data


def test_quantity_change_and_removal_with_htmx_swap_the_cart_body(client):
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    product_id = re.search(rb'/cart/lines/(\d+)"', client.get("/cart/").data).group(1).decode()
    changed = client.post(f"/cart/lines/{product_id}", data={"quantity": "4"},
                          headers=HX | {"HX-Target": "cart-body"}).get_data(as_text=True)
    assert "<html" not in changed and 'data-testid="cart-subtotal">$48.00<' in changed
    assert 'hx-swap-oob="true">4<' in changed
    for headers in ({}, {"HX-Request": "false"}):  # a whole page: one count, in the header
        whole = client.get("/cart/", headers=headers).get_data(as_text=True)
        assert whole.count(' id="cart-count"') == 1 and "hx-swap-oob" not in whole
    removed = client.post(f"/cart/lines/{product_id}/remove",
                          headers=HX | {"HX-Target": "cart-body"}).get_data(as_text=True)
    assert 'data-testid="cart-empty"' in removed


def test_nonsense_quantities_get_a_message_not_an_error(client):
    for quantity in ("", "abc", "-3", "1e9", "99999999999999999999"):
        response = client.post("/cart/add", data={"slug": "pocket-cat-keychain",
                                                  "quantity": quantity})
        assert response.status_code == 303, quantity
    assert client.post("/cart/lines/999", data={"quantity": "x"}).status_code == 303


def test_guide_pages_terms_and_privacy_exist_and_the_footer_links_them_R_ACC_4(client):
    footer = client.get("/").get_data(as_text=True)
    for path in ("/guide/how-to-order", "/guide/payment", "/guide/shipping",
                 "/guide/cancellations", "/guide/account", "/terms", "/privacy", "/contact"):
        assert f'href="{path}"' in footer, path
        assert client.get(path).status_code == 200, path
    assert client.get("/guide/nope").status_code == 404


def test_the_terms_state_guardian_consent_and_no_warranty_for_minors_R_NTC_1_R_NTC_2(client):
    terms = client.get("/terms").get_data(as_text=True)
    assert 'id="minors"' in terms and "guardian" in terms
    assert "no warranty that information on Storefront is harmless to minors" in terms


def test_orders_are_taken_on_the_website_only_R_CHK_9(client):
    guide = client.get("/guide/how-to-order").get_data(as_text=True)
    assert "Orders are accepted on this website only" in guide
    assert "cannot take orders by phone, email or post" in guide
