"""Stripe's webhook endpoint (issue 11): Stripe's signature is verified, each event is
processed once, and without a signing secret the endpoint does not exist."""
from __future__ import annotations

import json
import time

import pytest
from stripe import WebhookSignature

from storefront import create_app
from tests.support.app import settings

SECRET = "whsec_test_secret"
URL = "/payments/stripe/webhook"


def signed(payload: str, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    moment = int(time.time()) if at is None else at
    mac = WebhookSignature._compute_signature(f"{moment}.{payload}", secret)
    return {"Stripe-Signature": f"t={moment},v1={mac}", "Content-Type": "application/json"}


@pytest.fixture()
def stripe_store(database_url, app):
    return create_app(settings(database_url, PAYMENT_GATEWAY="stripe",
                               STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET=SECRET,
                               WTF_CSRF_ENABLED=True))


def test_an_event_with_a_good_signature_is_processed_once(stripe_store):
    client = stripe_store.test_client()
    payload = json.dumps({"id": "evt_9", "type": "customer.created", "data": {"object": {}}})
    first = client.post(URL, data=payload, headers=signed(payload))
    assert first.status_code == 200 and first.get_json()["outcome"] == "ignored: customer.created"
    again = client.post(URL, data=payload, headers=signed(payload))
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"


@pytest.mark.parametrize("headers", [
    {}, {"Stripe-Signature": "t=1,v1=00"}, "wrong-secret", "too-old"])
def test_a_forged_stale_or_unsigned_event_is_refused(stripe_store, headers):
    client = stripe_store.test_client()
    payload = json.dumps({"id": "evt_10", "type": "charge.dispute.created",
                          "data": {"object": {}}})
    if headers == "wrong-secret":
        headers = signed(payload, "whsec_other")
    elif headers == "too-old":
        headers = signed(payload, at=int(time.time()) - 3600)
    assert client.post(URL, data=payload, headers=headers).status_code == 400
    good = client.post(URL, data=payload, headers=signed(payload))
    assert good.get_json()["outcome"] != "duplicate"  # the refused ones left no trace


def test_without_a_signing_secret_or_with_the_test_gateway_there_is_no_endpoint(
        database_url, client):
    assert client.post(URL, data="{}").status_code == 404
    no_secret = create_app(settings(database_url, PAYMENT_GATEWAY="stripe",
                                    STRIPE_SECRET_KEY="sk_test_x"))
    assert no_secret.test_client().post(URL, data="{}").status_code == 404


def test_the_csp_lets_the_no_js_form_reach_stripes_hosted_page(stripe_store, client):
    policy = stripe_store.test_client().get("/").headers["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com" in policy
    assert "form-action 'self';" in client.get("/").headers["Content-Security-Policy"]
