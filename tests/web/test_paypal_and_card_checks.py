"""PayPal through the test gateway's approval page, card verification, lost answers
(R-CHK-5, R-CHK-6, R-PAY-1)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from storefront import create_app
from storefront.extensions import db
from storefront.models import Order, PaymentMethod, TestGatewayCharge
from storefront.payments.testgateway import TestGateway
from storefront.services import order_payments
from tests.builders import VISA, hidden, login
from tests.support.app import settings


def to_payment_step(client, slug="pocket-cat-keychain"):
    login(client)
    client.post("/cart/add", data={"slug": slug, "quantity": "1"})
    client.get("/checkout/")
    page = client.get("/checkout/shipping")
    address_id = re.search(rb'data-address-id="(\d+)"', page.data).group(1).decode()
    client.post("/checkout/shipping", data={"address_id": address_id})


def approval_page(client):
    sent = client.post("/checkout/payment", data={"method": "paypal"})
    assert sent.status_code == 303 and sent.headers["Location"].startswith("/_test-gateway/")
    page = client.get(sent.headers["Location"])
    assert b">Approve<" in page.data and b">Cancel<" in page.data
    return hidden(page.data, "ticket")


def test_paypal_approved_becomes_the_payment_method_and_pays_the_order_R_CHK_5(client):
    to_payment_step(client)
    ticket = approval_page(client)
    back = client.post("/_test-gateway/paypal", data={"ticket": ticket, "decision": "approve"})
    assert back.headers["Location"].startswith("/checkout/payment/approved/paypal?token=")
    assert client.get(back.headers["Location"]).headers["Location"] == "/checkout/billing"
    client.post("/checkout/billing", data={"billing": "same"})
    confirm = client.get("/checkout/confirm")
    assert b"Pay with</strong> PayPal" in confirm.data
    done = client.post("/checkout/confirm", data={"checkout": hidden(confirm.data, "checkout"),
                                                  "seen": hidden(confirm.data, "seen")},
                       follow_redirects=True)
    assert b"Your order has been processed successfully" in done.data
    with client.application.app_context():
        assert db.session.scalar(select(PaymentMethod.kind)) == "paypal"
        assert db.session.scalar(select(Order.payment_status)) == "paid"


def test_paypal_cancelled_returns_to_the_payment_step_with_nothing_ordered_R_CHK_5(client):
    to_payment_step(client)
    ticket = approval_page(client)
    back = client.post("/_test-gateway/paypal", data={"ticket": ticket, "decision": "cancel"})
    page = client.get(back.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="payment-step"' in page and "PayPal was cancelled" in page
    with client.application.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0


def test_a_forged_paypal_approval_is_refused(client):
    to_payment_step(client)
    page = client.get("/checkout/payment/approved/paypal?token=forged",
                      follow_redirects=True).get_data(as_text=True)
    assert "PayPal did not approve" in page
    assert client.get("/_test-gateway/paypal?ticket=forged").status_code == 400


def test_htmx_sends_the_browser_to_paypal_with_a_full_navigation(client):
    to_payment_step(client)
    sent = client.post("/checkout/payment", data={"method": "paypal"},
                       headers={"HX-Request": "true", "HX-Target": "main"})
    assert sent.headers["HX-Redirect"].startswith("/_test-gateway/paypal?ticket=")


def test_cards_can_be_verified_by_an_authorisation_voided_at_once_R_CHK_6(database_url, app):
    strict = create_app(settings(database_url, VERIFY_CARDS=True))
    client = strict.test_client()
    to_payment_step(client)
    assert client.post("/checkout/payment", data=VISA).status_code == 303
    with strict.app_context():
        kinds = sorted(db.session.scalars(select(TestGatewayCharge.kind)))
    assert kinds == ["auth", "void"]


@pytest.mark.parametrize("fault", ["lose_answer", "timeout"])
def test_a_lost_charge_answer_is_retried_under_the_same_key_and_charges_once(app, fault):
    with app.app_context():
        gateway = TestGateway(db.session.session_factory)
        TestGateway.fault = fault
        result = order_payments.gateway_charge(gateway, "tok_test_ok_x", 1000,
                                               "charge-SF-TEST-0001")
        assert result.ok
        rows = db.session.scalars(select(TestGatewayCharge)).all()
        assert [(r.idempotency_key, r.amount_cents) for r in rows] == [("charge-SF-TEST-0001",
                                                                        1000)]
