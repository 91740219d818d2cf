"""Update Payment for every method (issue 11, R-PAY-4, R-PAY-5): a card order takes a new
card before the charge or after a failed one; a PayPal order goes back to PayPal's approval
page, never to a card form; an approval made for another order is refused."""
from __future__ import annotations

import re

from sqlalchemy import select

from storefront import jobs
from storefront.extensions import db
from storefront.models import Order, TestGatewayCharge
from storefront.payments import GatewayDeclined, SavedMethod, faults
from storefront.payments.testgateway import TestGateway
from tests.builders import VISA, hidden, login
from tests.money import assert_money_adds_up
from tests.web.test_aftercare import finalize, order_of, place, show
from tests.web.test_paypal_and_card_checks import approval_page, to_payment_step

MASTERCARD = VISA | {"card_number": "5555 5555 5555 4444"}


def paypal_order(client, slug="aurora-knight-figure") -> str:
    """A preorder placed with PayPal through the pages (not charged yet)."""
    to_payment_step(client, slug)
    ticket = approval_page(client)
    back = client.post("/_test-gateway/paypal", data={"ticket": ticket, "decision": "approve"})
    client.get(back.headers["Location"])
    client.post("/checkout/billing", data={"billing": "same"})
    page = client.get("/checkout/confirm")
    done = client.post("/checkout/confirm", data={"checkout": hidden(page.data, "checkout"),
                                                  "seen": hidden(page.data, "seen")},
                       follow_redirects=True)
    return re.search(r'data-testid="order-number"[^>]*>([A-Z0-9-]+)<',
                     done.get_data(as_text=True)).group(1)


def approve_again(client, number: str, decision: str = "approve"):
    """update-payment on a PayPal order: a form post that leads to PayPal's page."""
    page = show(client, number)
    assert 'data-testid="update-payment"' in page
    assert f'action="/account/orders/{number}/payment/provider"' in page
    sent = client.post(f"/account/orders/{number}/payment/provider")
    assert sent.status_code == 303 and sent.location.startswith("/_test-gateway/paypal")
    ticket = hidden(client.get(sent.location).data, "ticket")
    back = client.post("/_test-gateway/paypal", data={"ticket": ticket, "decision": decision})
    return client.get(back.location)


def charged_tokens(session, number: str) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(TestGatewayCharge.token).where(
        TestGatewayCharge.kind == "charge", TestGatewayCharge.succeeded.is_(True),
        TestGatewayCharge.idempotency_key.like(f"charge-{number}%"))))


def test_a_card_replaced_before_the_charge_is_the_one_charged_R_PAY_4(client, session):
    number = place(session, {"aurora-knight-figure": 1})
    login(client)
    page = show(client, number)
    assert 'data-testid="update-payment"' in page and "Replace the card" in page
    saved = client.post(f"/account/orders/{number}/payment", data=MASTERCARD)
    assert saved.status_code == 303
    replaced = order_of(session, number)
    assert (replaced.payment_status, replaced.payment_method.last4) == ("incomplete", "4444")
    assert charged_tokens(session, number) == []  # nothing charged before the date
    finalize(session, number)
    jobs.run_due()
    assert order_of(session, number).payment_status == "paid"
    assert charged_tokens(session, number) == [replaced.payment_method.token]
    assert_money_adds_up(session)


def test_a_paypal_order_is_never_offered_a_card_form_R_PAY_5(client, session):
    number = paypal_order(client)
    page = client.get(f"/account/orders/{number}/payment").get_data(as_text=True)
    assert 'name="card_number"' not in page and "Continue to PayPal" in page
    typed = client.post(f"/account/orders/{number}/payment", data=VISA)
    assert typed.status_code == 200 and order_of(session, number).payment_method.kind == \
        "paypal"


def test_a_paypal_charge_declined_is_paid_by_approving_paypal_again_R_PAY_4(client, session):
    number = paypal_order(client)
    faults.store(session, {"decline": ["charge"]})
    session.commit()
    finalize(session, number)
    jobs.run_due()
    assert order_of(session, number).payment_status == "failed"
    faults.store(session, {})
    session.commit()
    cancelled = approve_again(client, number, "cancel")
    assert order_of(session, number).payment_status == "failed"
    assert cancelled.status_code == 303
    back = approve_again(client, number)
    assert back.status_code == 303 and back.location.endswith(f"/account/orders/{number}")
    paid = order_of(session, number)
    assert (paid.payment_status, paid.payment_method.kind) == ("paid", "paypal")
    assert 'data-testid="update-payment"' not in show(client, number)
    assert_money_adds_up(session)


def test_an_approval_made_for_another_order_is_refused(client, session):
    first, second = paypal_order(client), paypal_order(client, "moonlit-dancer-figure")
    sent = client.post(f"/account/orders/{first}/payment/provider")
    ticket = hidden(client.get(sent.location).data, "ticket")
    back = client.post("/_test-gateway/paypal", data={"ticket": ticket, "decision": "approve"})
    token = back.location.split("token=", 1)[1]
    before = order_of(session, second).payment_method_id
    stolen = client.get(f"/account/orders/{second}/payment/approved?token={token}",
                        follow_redirects=True)
    assert "another payment" in stolen.get_data(as_text=True)
    assert order_of(session, second).payment_method_id == before
    with client.application.app_context():
        assert db.session.get(Order, order_of(session, first).id).payment_status == \
            "incomplete"


class HostedCards(TestGateway):
    """A provider that collects cards on its own hosted page, as Stripe does."""
    __test__ = False
    collects_cards = False
    started: list[str] = []

    def start_setup(self, method, *, reference, return_url, cancel_url):
        HostedCards.started.append(reference)
        return f"https://checkout.provider.test/setup?ref={reference}"

    def finish_setup(self, method, token, reference=""):
        if token != f"approved-{reference}":
            raise GatewayDeclined("This approval belongs to another payment.")
        return SavedMethod(token="tok_test_ok_1111_hosted", brand="Visa", last4="1111",
                           exp_month=1, exp_year=2040)


def test_on_a_hosted_card_provider_update_payment_goes_to_its_page_R_PAY_4(app, client,
                                                                            session):
    """Issue 11 (4): on Stripe a card order's Update Payment is the provider's hosted page,
    never "the payment service did not answer"."""
    number = place(session, {"aurora-knight-figure": 1})
    hosted = HostedCards(session.session_factory)
    saved, app.extensions["gateway"] = app.extensions["gateway"], hosted
    try:
        login(client)
        page = show(client, number)
        assert f'action="/account/orders/{number}/payment/provider"' in page
        sent = client.post(f"/account/orders/{number}/payment/provider")
        assert sent.status_code == 303
        assert sent.location.startswith("https://checkout.provider.test/setup")
        reference = HostedCards.started[-1]
        back = client.get(f"/account/orders/{number}/payment/approved"
                          f"?token=approved-{reference}")
        assert back.status_code == 303
        assert order_of(session, number).payment_method.last4 == "1111"
    finally:
        app.extensions["gateway"] = saved
