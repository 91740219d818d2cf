"""The Stripe adapter against localstripe, a fake but stateful Stripe server started on a
free local port (issue 11): nothing reaches the internet. What localstripe lacks (Checkout
Sessions, the PaymentIntent search, idempotent replays, refund limits) stays proven by the
recorded answers of tests/unit/test_stripe_gateway.py."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from storefront.payments.stripegateway import StripeGateway

LOCALSTRIPE = Path(sys.executable).parent / "localstripe"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    """localstripe on 127.0.0.1:<free port>, for this module only."""
    program = str(LOCALSTRIPE) if LOCALSTRIPE.exists() else shutil.which("localstripe")
    if program is None:
        pytest.fail("localstripe is not installed: `make install` (it is a test dependency)")
    port = _free_port()
    server = subprocess.Popen([program, "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(url + "/v1/customers", timeout=1,
                         headers={"Authorization": "Bearer sk_test_x"},
                         proxies={"http": "", "https": ""})
            break
        except requests.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("localstripe did not start")
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(10)


@pytest.fixture()
def stripe_gw(localstripe: str) -> StripeGateway:
    return StripeGateway("sk_test_localstripe", api_base=localstripe, max_network_retries=0)


def saved_card(gw: StripeGateway, number: str = "4242424242424242") -> str:
    """A customer with an attached card: the token the store keeps ("cus:pm")."""
    client = gw._client
    customer = client.v1.customers.create(params={})
    method = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": number, "exp_month": 12, "exp_year": 2039, "cvc": "123"}})
    client.v1.payment_methods.attach(method.id, params={"customer": customer.id})
    return f"{customer.id}:{method.id}"


def test_an_off_session_charge_takes_the_amount_and_carries_its_key(stripe_gw):
    result = stripe_gw.charge(saved_card(stripe_gw), 3000, "charge-SF-TEST-0001")
    assert result.ok and result.ref.startswith("pi_")
    intent = stripe_gw._client.v1.payment_intents.retrieve(result.ref)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 3000, "usd")
    assert intent.metadata["idempotency_key"] == "charge-SF-TEST-0001"


def test_an_authorisation_is_captured_and_then_can_no_longer_be_voided(stripe_gw):
    held = stripe_gw.authorize(saved_card(stripe_gw), 126700, "auth-SF-TEST-0002")
    assert held.ok
    intent = stripe_gw._client.v1.payment_intents.retrieve(held.ref)
    assert intent.status == "requires_capture"
    taken = stripe_gw.capture(held.ref, 126700, "capture-SF-TEST-0002")
    assert taken.ok and taken.ref == held.ref  # the PaymentIntent keeps its id
    refused = stripe_gw.void(held.ref, "void-SF-TEST-0002")
    assert not refused.ok and not refused.unknown  # a definite no, as Stripe answers


def test_an_authorisation_voided_before_capture_is_cancelled(stripe_gw):
    held = stripe_gw.authorize(saved_card(stripe_gw), 3000, "auth-SF-TEST-0003")
    assert stripe_gw.void(held.ref, "void-SF-TEST-0003").ok
    assert stripe_gw._client.v1.payment_intents.retrieve(held.ref).status == "canceled"


def test_a_partial_refund_of_a_charge(stripe_gw):
    charged = stripe_gw.charge(saved_card(stripe_gw), 3000, "charge-SF-TEST-0004")
    back = stripe_gw.refund(charged.ref, 1250, "refund-SF-TEST-0004-1")
    assert back.ok and back.ref.startswith("re_")
    refund = stripe_gw._client.v1.refunds.retrieve(back.ref)
    assert (refund.amount, refund.payment_intent) == (1250, charged.ref)


def test_a_card_declined_at_the_charge_is_a_definite_refusal(stripe_gw):
    result = stripe_gw.charge(saved_card(stripe_gw, "4000000000000341"), 3000,
                              "charge-SF-TEST-0005")
    assert not result.ok and not result.unknown and "declined" in result.error
