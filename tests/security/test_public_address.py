"""One public address (issue 12, item 3): every link in every email and every return address
given to a provider comes from STOREFRONT_BASE_URL; a forged Host header changes nothing;
production refuses to start without it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storefront import create_app
from storefront.config import ConfigError
from storefront.extensions import db
from storefront.models import Email, Order
from storefront.payments import setup as gateways
from tests.builders import hidden, login, web_checkout_to_confirm
from tests.security.world import STAFF
from tests.support.app import settings

PUBLIC = "https://shop.example"
FORGED = "evil.example"


def forged(client):
    """Every request of this client names the attacker's host, directly and forwarded."""
    client.environ_base.update({"HTTP_HOST": FORGED, "HTTP_X_FORWARDED_HOST": FORGED})
    return client


def test_links_in_every_email_and_provider_return_addresses_ignore_the_host_header(
        database_url, app):
    store = create_app(settings(database_url, BASE_URL=PUBLIC, PROXY_HOPS=1))
    kinds = []
    customer = forged(store.test_client())
    registered = customer.post("/register", data={
        "email": "host.test@example.com", "password": "Qa-Passw0rd!",
        "password_confirm": "Qa-Passw0rd!", "country": "US", "agree_terms": "1"})
    assert registered.status_code == 303
    customer.post("/logout")
    forged(store.test_client()).post("/password/forgot", data={"email": "qa.us@example.com"})
    buyer = forged(store.test_client())
    login(buyer)
    confirm = web_checkout_to_confirm(buyer, {"pocket-cat-keychain": 1})
    buyer.post("/checkout/confirm", data={"checkout": hidden(confirm.data, "checkout"),
                                          "seen": hidden(confirm.data, "seen")})
    with store.app_context():
        number = db.session.scalars(select(Order.number).order_by(Order.id.desc())).first()
    staff = forged(store.test_client())
    login(staff, *STAFF)
    shipped = staff.post(f"/admin/orders/{number}/shipped",
                         data={"carrier": "DHL", "tracking_number": "JD0146"})
    assert shipped.status_code in (200, 303)
    # PayPal: the return and cancel addresses handed to the provider.
    payer = forged(store.test_client())
    login(payer, "qa.fr@example.com", "Qa-Passw0rd!")
    payer.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    payer.get("/checkout/")
    shipping = payer.get("/checkout/shipping")
    address = re.search(rb'data-address-id="(\d+)"', shipping.data).group(1).decode()
    payer.post("/checkout/shipping", data={"address_id": address})
    sent = payer.post("/checkout/payment", data={"method": "paypal"})
    with store.test_request_context():
        ticket = gateways.current().read_ticket(
            hidden(payer.get(sent.headers["Location"]).data, "ticket"))
    with store.app_context():
        emails = db.session.scalars(select(Email).order_by(Email.id)).all()
    links = []
    for email in emails:
        kinds.append(email.kind)
        links += re.findall(r"https?://[^\s\"'<>)]+", email.text + email.html)
    links += [ticket["ok"], ticket["no"]]
    wrong = [link for link in links if not link.startswith(PUBLIC + "/")]
    print(f"public address: Host and X-Forwarded-Host forged as {FORGED}; emails "
          f"{sorted(set(kinds))}, {len(links)} links (PayPal return/cancel included), "
          f"{len(wrong)} not under {PUBLIC}")
    assert {"welcome", "password_reset", "order_confirmation", "shipped"} <= set(kinds)
    assert links and not wrong, wrong


def test_production_refuses_to_start_without_a_base_url(database_url):
    with pytest.raises(ConfigError, match="STOREFRONT_BASE_URL"):
        create_app(settings(database_url, ENV="production", SECRET_KEY="x" * 40,
                            BASE_URL="", PAYMENT_GATEWAY="stripe",
                            STRIPE_SECRET_KEY="sk_test_x"))
    ok = create_app(settings(database_url, ENV="production", SECRET_KEY="x" * 40,
                             BASE_URL=PUBLIC + "/", PAYMENT_GATEWAY="stripe",
                             STRIPE_SECRET_KEY="sk_test_x"))
    assert ok.config["BASE_URL"] == PUBLIC


def test_the_product_pages_structured_data_links_to_the_public_address(database_url, app):
    """Search engines read the JSON-LD's url and image: never the Host a request named."""
    store = create_app(settings(database_url, BASE_URL=PUBLIC, PROXY_HOPS=1))
    html = forged(store.test_client()).get("/products/aurora-knight-figure").get_data(
        as_text=True)
    data = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert f'"{PUBLIC}/products/aurora-knight-figure"' in data
    assert f'"image": "{PUBLIC}/' in data or f'"image":"{PUBLIC}/' in data
    assert FORGED not in data
