"""Pages search engines and assistive technology read right (issue 13): titles, meta
descriptions, one h1, schema.org Product data, valid times, the live region."""
from __future__ import annotations

import json
import re

from tests.builders import hidden, login, web_checkout_to_confirm

HX = {"HX-Request": "true", "HX-Target": "main"}


def ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD"
    return json.loads(found.group(1))


def test_a_preorder_product_page_carries_schema_org_product_data_with_its_release_date(client):
    html = client.get("/products/aurora-knight-figure").get_data(as_text=True)
    data = ld(html)
    assert data["@type"] == "Product" and data["name"] == "Aurora Knight Figure"
    assert data["offers"]["price"] == "189.99" and data["offers"]["priceCurrency"] == "USD"
    assert data["offers"]["availability"] == "https://schema.org/PreOrder"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["releaseDate"])
    assert data["image"].startswith("http://localhost/")


def test_an_in_stock_product_is_in_stock_and_a_closed_preorder_is_not_offered(client):
    assert ld(client.get("/products/pocket-cat-keychain").get_data(as_text=True))[
        "offers"]["availability"] == "https://schema.org/InStock"
    assert ld(client.get("/products/closed-window-figure").get_data(as_text=True))[
        "offers"]["availability"] == "https://schema.org/SoldOut"


def test_every_customer_page_has_a_title_a_meta_description_and_exactly_one_h1(client):
    pages = [client.get(path) for path in (
        "/", "/products/aurora-knight-figure", "/cart/", "/login", "/register",
        "/guide/how-to-order", "/guide/shipping", "/terms", "/privacy", "/contact")]
    login(client)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    pages += [client.get(path) for path in ("/account/", "/checkout/shipping", "/cart/")]
    for response in pages:
        html, path = response.get_data(as_text=True), response.request.path
        assert response.status_code == 200, path
        assert re.search(r'<meta name="description" content="[^"]{30,}">', html), path
        assert re.search(r"<title>[^<]{3,} · Storefront</title>", html), path
        assert html.count("<h1") == 1, path
        assert 'class="skip" href="#main"' in html and 'aria-label="Help and policies"' in html


def test_the_customs_link_reads_on_its_own_and_the_product_image_loads_first(client):
    html = client.get("/products/aurora-knight-figure").get_data(as_text=True)
    assert ">More<" not in html and "Customs duties and shipping fees</a>" in html
    assert re.search(r'<img [^>]*fetchpriority="high"', html)


def test_times_in_the_order_events_have_no_microseconds(client, session):
    login(client)
    page = web_checkout_to_confirm(client, {"pocket-cat-keychain": 1})
    done = client.post("/checkout/confirm", follow_redirects=True, data={
        "checkout": hidden(page.data, "checkout"), "seen": hidden(page.data, "seen")})
    number = re.search(r'data-testid="order-number"[^>]*>([A-Z0-9-]+)<', done.get_data(
        as_text=True)).group(1)
    html = client.get(f"/account/orders/{number}").get_data(as_text=True)
    stamps = re.findall(r'<time datetime="([^"]+)"', html)
    assert stamps and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d)?", s)
                          for s in stamps), stamps


def test_a_step_fragment_says_where_the_customer_is_in_the_live_region(client):
    login(client)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    text = client.get("/checkout/", headers=HX).get_data(as_text=True)
    assert text.startswith("<title>Shipping address (step 1 of 4) · Storefront</title>")
    assert '<p hx-swap-oob="innerHTML:#announce">Step 1 of 4: Shipping address</p>' in text
    added = client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"},
                        headers={"HX-Request": "true", "HX-Target": "added"})
    assert "Added to cart</p>" in added.get_data(as_text=True)
