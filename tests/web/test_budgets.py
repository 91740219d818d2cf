"""Byte budgets and query counts (issue: light on slow links). Sizes and counts are stable;
times are measured by bench/, never here."""
from __future__ import annotations

import re

import brotli
import pytest

from storefront import PAGE_BROTLI, clock
from storefront.models import Product
from tests.builders import counted, login, web_checkout_to_confirm

MAX_QUERIES = 4


def queries(client, path: str) -> list[str]:
    with counted() as statements:
        assert client.get(path).status_code == 200
    return statements


def test_the_product_page_runs_a_fixed_small_number_of_queries(client):
    assert len(queries(client, "/products/aurora-knight-figure")) <= MAX_QUERIES
    login(client)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    assert len(queries(client, "/products/aurora-knight-figure")) <= MAX_QUERIES


def test_the_catalogue_runs_the_same_queries_at_any_size(client, session):
    small = len(queries(client, "/"))
    now = clock.now()
    session.add_all([Product(slug=f"extra-{i}", name=f"Extra {i}", kind="instock",
                             price_cents=1000 + i, stock=5, image="img/products/"
                             "pocket-cat-keychain.svg", created_at=now) for i in range(60)])
    session.commit()
    login(client)
    large = len(queries(client, "/"))
    assert small <= MAX_QUERIES and large <= MAX_QUERIES


def test_the_cart_runs_a_fixed_small_number_of_queries(client):
    login(client)
    for slug in ("aurora-knight-figure", "moonlit-dancer-figure", "pocket-cat-keychain"):
        client.post("/cart/add", data={"slug": slug, "quantity": "1"})
    assert len(queries(client, "/cart/")) <= MAX_QUERIES


def test_the_confirm_page_runs_a_fixed_small_number_of_queries(client):
    login(client)
    web_checkout_to_confirm(client, {"aurora-knight-figure": 1, "pocket-cat-keychain": 2})
    assert len(queries(client, "/checkout/confirm")) <= MAX_QUERIES


def wire(body: bytes) -> int:
    return len(brotli.compress(body, quality=PAGE_BROTLI))


def test_every_page_with_its_stylesheet_fits_the_first_round_trip_of_14_kb(client):
    css = open("static/css/store.css", "rb").read()
    login(client)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    for path in ("/", "/products/aurora-knight-figure", "/cart/", "/login", "/register",
                 "/guide/how-to-order", "/terms", "/account/", "/checkout/shipping"):
        html = client.get(path).data
        assert wire(html) + wire(css) <= 14 * 1024, path


def test_a_first_visit_to_a_product_page_is_at_most_30_kb_with_htmx(client):
    page = client.get("/products/aurora-knight-figure").data
    assets = [open(f"static/{p}", "rb").read() for p in ("css/store.css", "js/store.js")]
    assert wire(page) + sum(wire(a) for a in assets) <= 30 * 1024


def test_pages_load_one_script_htmx_with_focus_js_as_make_assets_builds_it(client):
    """One script request on a first visit, not two: static/js/store.js is htmx and
    focus.js end to end (`make assets` rebuilds it when either changes)."""
    page = client.get("/products/aurora-knight-figure").get_data(as_text=True)
    assert re.findall(r'<script src="/static/js/([a-z]+)[^"]*\.js"', page) == ["store"]
    parts = [open(f"static/js/{p}", "rb").read() for p in ("htmx-4.0.1.min.js", "focus.js")]
    assert open("static/js/store.js", "rb").read() == parts[0] + b"\n" + parts[1]


@pytest.mark.parametrize("path, data, target", [
    ("/cart/add", {"slug": "pocket-cat-keychain", "quantity": "1"}, "added"),
])
def test_htmx_fragments_are_at_most_2_kb(client, path, data, target):
    response = client.post(path, data=data, headers={"HX-Request": "true", "HX-Target": target})
    assert response.status_code == 200 and wire(response.data) <= 2048
    line = re.search(rb"/cart/lines/(\d+)", client.get("/cart/").data).group(1).decode()
    changed = client.post(f"/cart/lines/{line}", data={"quantity": "2"},
                          headers={"HX-Request": "true", "HX-Target": "cart-body"})
    assert wire(changed.data) <= 2048
    login(client)
    client.get("/checkout/")
    for path in ("/checkout/shipping", "/checkout/payment", "/checkout/billing"):
        step = client.get(path, headers={"HX-Request": "true", "HX-Target": "main"})
        assert wire(step.data) <= 2048, path


def test_static_files_have_hashed_names_cached_for_a_year_and_compressed(client):
    page = client.get("/terms").get_data(as_text=True)
    css = re.search(r'href="(/static/css/store[^"]*\.css)"', page).group(1)
    response = client.get(css, headers={"Accept-Encoding": "br, gzip"})
    if re.search(r"-[0-9a-f]{32}\.css$", css):  # `make assets` ran (it does in make test)
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert response.headers["Content-Encoding"] == "br"
    assert response.status_code == 200


def test_anonymous_pages_without_session_data_may_be_kept_by_a_shared_cache(client):
    catalogue = client.get("/")
    assert catalogue.headers["Cache-Control"] in ("public, max-age=60", "max-age=60, public")
    assert "Set-Cookie" not in catalogue.headers


def test_pages_with_session_data_are_never_shared(client):
    login(client)
    assert "private" in client.get("/").headers["Cache-Control"]
    assert "private" in client.get("/products/aurora-knight-figure").headers["Cache-Control"]


def test_catalogue_and_product_pages_answer_304_to_a_matching_etag(client):
    first = client.get("/")
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    product = client.get("/products/aurora-knight-figure")
    assert product.headers.get("ETag")


def test_fragments_and_pages_vary_on_hx_request(client):
    assert "HX-Request" in client.get("/").headers["Vary"]
    assert "HX-Request" in client.get("/cart/").headers["Vary"]
