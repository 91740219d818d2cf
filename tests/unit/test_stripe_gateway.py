"""The Stripe adapter against recorded Stripe responses (tests/fixtures/stripe): no network.

A fake HTTP client stands in for the SDK's transport: it checks each request's method, path,
key form parameters and Idempotency-Key header, then answers with a recorded response body."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe
from flask import Flask

from storefront import config
from storefront.payments import setup
from storefront.payments.gateway import GatewayDeclined, SavedMethod
from storefront.payments.stripegateway import StripeGateway

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stripe"
KEY = "sk_test_51RecordedResponsesOnly"
CUS, PM = "cus_RfX2kd8QhVb3Ty", "pm_1QmX4cK8vTq2LpZrW3nH6sJk"
TOKEN = f"{CUS}:{PM}"
SESSION = "cs_test_c1a7Zq3vXb9RkP2mLw8dNe5Hy4TgUo6JsVfQx0KcYiAzB"
PI, PI_DECLINED, PI_AUTH = ("pi_3QmY0dK8vTq2LpZr1hG7tYuV", "pi_3QmY1eK8vTq2LpZr0fS9kLmN",
                            "pi_3QmY2fK8vTq2LpZr1Ab2Cd3E")


@dataclass
class Call:
    """One expected request and its recorded answer."""
    method: str
    path: str
    fixture: str = ""
    params: dict[str, str] = field(default_factory=dict)
    key: str | None = None  # the Idempotency-Key header we must send
    status: int = 200
    raises: Exception | None = None


class Recorded(stripe.HTTPClient):
    """Plays back recorded responses in order, asserting what the SDK sends."""
    name = "recorded"

    def __init__(self, *calls: Call) -> None:
        super().__init__()
        self.calls = list(calls)

    def request(self, method: str, url: str, headers: Any, post_data: Any = None,
                *, _usage: Any = None) -> tuple[str, int, dict[str, str]]:
        assert self.calls, f"unexpected request {method} {url}"
        want = self.calls.pop(0)
        parts = urlsplit(url)
        assert parts.netloc == "api.stripe.com"
        assert (method.upper(), parts.path) == (want.method, want.path)
        assert headers["Authorization"] == f"Bearer {KEY}"
        body = post_data.decode() if isinstance(post_data, bytes) else post_data
        sent = dict(parse_qsl(body or parts.query, keep_blank_values=True))
        for name, value in want.params.items():
            assert sent.get(name) == value, f"{name}: sent {sent.get(name)!r}, want {value!r}"
        if want.key is not None:
            assert headers.get("Idempotency-Key") == want.key
        if want.raises is not None:
            raise want.raises
        return (FIXTURES / want.fixture).read_text(), want.status, {"Request-Id": "req_rec"}

    def close(self) -> None:
        """Nothing to close."""


def gateway(*calls: Call) -> tuple[StripeGateway, Recorded]:
    fake = Recorded(*calls)
    return StripeGateway(KEY, http_client=fake), fake


def charge_call(key: str, fixture: str, status: int = 200,
                raises: Exception | None = None) -> Call:
    return Call("POST", "/v1/payment_intents", fixture, key=key, status=status, raises=raises,
                params={"amount": "12800", "currency": "usd", "customer": CUS,
                        "payment_method": PM, "off_session": "true", "confirm": "true",
                        "metadata[idempotency_key]": key})


@pytest.mark.parametrize("method", ["card", "paypal"])
def test_setup_sends_the_customer_to_stripes_hosted_page(method):
    """R-CHK-5: card numbers are typed on Stripe's page, never on ours."""
    gw, fake = gateway(
        Call("POST", "/v1/customers", "customer.json", {"metadata[reference]": "user-42"}),
        Call("POST", "/v1/checkout/sessions", "checkout_session_open.json", {
            "mode": "setup", "customer": CUS, "payment_method_types[0]": method,
            "client_reference_id": "user-42",
            "success_url": "https://shop.example/pay/return?token={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://shop.example/pay"}))
    url = gw.start_setup(method, reference="user-42", return_url="https://shop.example/pay/return",
                         cancel_url="https://shop.example/pay")
    assert url.startswith(f"https://checkout.stripe.com/c/pay/{SESSION}")
    assert gw.collects_cards is False and not fake.calls
    with pytest.raises(NotImplementedError):
        gw.save_card(None)  # type: ignore[arg-type]


def test_setup_return_url_with_a_query_keeps_it():
    gw, _ = gateway(Call("POST", "/v1/customers", "customer.json"),
                    Call("POST", "/v1/checkout/sessions", "checkout_session_open.json", {
                        "success_url": "https://s.example/r?o=7&token={CHECKOUT_SESSION_ID}"}))
    gw.start_setup("card", reference="r", return_url="https://s.example/r?o=7", cancel_url="x")
    with pytest.raises(ValueError):
        gw.start_setup("bank", reference="r", return_url="x", cancel_url="x")


def finish_calls(setup_intent: str, payment_method: str, seti: str, pm: str,
                 session: str = "checkout_session_complete.json") -> list[Call]:
    return [Call("GET", f"/v1/checkout/sessions/{SESSION}", session),
            Call("GET", f"/v1/setup_intents/{seti}", setup_intent),
            Call("GET", f"/v1/payment_methods/{pm}", payment_method)]


def test_finish_setup_reports_a_debit_card_so_the_store_can_refuse_it():
    """R-CHK-5: only token, brand, last 4 and expiry come back; funding says debit."""
    gw, fake = gateway(*finish_calls("setup_intent_succeeded.json",
                                     "payment_method_card_debit.json",
                                     "seti_1QmX4bK8vTq2LpZr0aB7cD9e", PM))
    assert gw.finish_setup("card", SESSION) == SavedMethod(
        token=TOKEN, brand="Visa", last4="5556", exp_month=4, exp_year=2030, funding="debit",
        kind="card")
    assert not fake.calls


def test_finish_setup_maps_a_credit_card_brand():
    gw, _ = gateway(*finish_calls("setup_intent_succeeded.json",
                                  "payment_method_card_credit.json",
                                  "seti_1QmX4bK8vTq2LpZr0aB7cD9e", PM))
    saved = gw.finish_setup("card", SESSION)
    assert (saved.brand, saved.last4, saved.exp_month, saved.exp_year, saved.funding) == (
        "American Express", "8431", 11, 2029, "credit")


def test_finish_setup_saves_paypal():
    """R-CHK-5: PayPal is saved as a reusable method for later charges (R-PAY-3)."""
    pp = "pm_1QmX5aK8vTq2LpZrP4yPaL2x"
    gw, _ = gateway(*finish_calls("setup_intent_paypal.json", "payment_method_paypal.json",
                                  "seti_1QmX5bK8vTq2LpZrQ1wE2rT3", pp,
                                  "checkout_session_paypal_complete.json"))
    saved = gw.finish_setup("paypal", SESSION)
    assert (saved.token, saved.kind, saved.brand) == (f"{CUS}:{pp}", "paypal", "PayPal")


def test_finish_setup_refuses_an_unfinished_session_or_another_method():
    gw, _ = gateway(Call("GET", f"/v1/checkout/sessions/{SESSION}",
                         "checkout_session_expired.json"))
    with pytest.raises(GatewayDeclined):
        gw.finish_setup("card", SESSION)
    gw, _ = gateway(*finish_calls("setup_intent_succeeded.json",
                                  "payment_method_card_credit.json",
                                  "seti_1QmX4bK8vTq2LpZr0aB7cD9e", PM))
    with pytest.raises(GatewayDeclined):
        gw.finish_setup("paypal", SESSION)


def test_charge_is_off_session_and_sends_the_idempotency_key():
    """R-PAY-1, R-PAY-3: a saved method is charged; the job's key is Stripe's Idempotency-Key."""
    gw, fake = gateway(charge_call("charge-SF-1001", "payment_intent_succeeded.json"))
    result = gw.charge(TOKEN, 12800, "charge-SF-1001")
    assert (result.ok, result.ref, result.error) == (True, PI, "")
    assert not fake.calls


def test_a_declined_charge_is_a_failed_result_with_the_message():
    """R-PAY-4 starts here: the decline is an answer, not an exception."""
    gw, _ = gateway(charge_call("charge-SF-1002", "error_card_declined.json", status=402))
    result = gw.charge(TOKEN, 12800, "charge-SF-1002")
    assert (result.ok, result.ref, result.error) == (False, PI_DECLINED, "Your card was declined.")


def test_a_lost_answer_propagates_and_is_looked_up_by_its_key():
    """Issue 5 item 2: a charge whose answer was lost is looked up before it is retried."""
    lost = stripe.APIConnectionError("Connection reset by peer")
    gw, fake = gateway(
        charge_call("charge-SF-1001", "", raises=lost),
        Call("GET", "/v1/payment_intents/search", "payment_intent_search_succeeded.json",
             {"query": "metadata['idempotency_key']:'charge-SF-1001'", "limit": "1"}))
    with pytest.raises(stripe.APIConnectionError):
        gw.charge(TOKEN, 12800, "charge-SF-1001")
    found = gw.lookup("charge-SF-1001")
    assert found is not None and (found.ok, found.ref) == (True, PI)
    assert not fake.calls


def test_lookup_reports_a_declined_charge_and_none_when_nothing_was_made():
    gw, _ = gateway(
        Call("GET", "/v1/payment_intents/search", "payment_intent_search_declined.json",
             {"query": "metadata['idempotency_key']:'charge-SF-1002'"}),
        Call("GET", "/v1/payment_intents/search", "payment_intent_search_empty.json",
             {"query": "metadata['idempotency_key']:'it\\'s-new'"}))
    found = gw.lookup("charge-SF-1002")
    assert found is not None and (found.ok, found.ref) == (False, PI_DECLINED)
    assert found.error == "Your card was declined."
    assert gw.lookup("it's-new") is None


def test_verification_authorisation_is_voided():
    """R-CHK-6: a small manual-capture authorisation, cancelled at once."""
    gw, fake = gateway(
        Call("POST", "/v1/payment_intents", "payment_intent_requires_capture.json",
             {"amount": "100", "capture_method": "manual", "off_session": "true",
              "confirm": "true"}, key="verify-7"),
        Call("POST", f"/v1/payment_intents/{PI_AUTH}/cancel", "payment_intent_canceled.json",
             key="void-verify-7"))
    held = gw.authorize(TOKEN, 100, "verify-7")
    assert (held.ok, held.ref) == (True, PI_AUTH)
    assert gw.void(held.ref, "void-verify-7").ok
    assert not fake.calls


def test_capture_sends_amount_and_key():
    gw, _ = gateway(Call("POST", f"/v1/payment_intents/{PI}/capture",
                         "payment_intent_succeeded.json", {"amount_to_capture": "12800"},
                         key="capture-SF-1001"))
    assert gw.capture(PI, 12800, "capture-SF-1001").ok


def test_refund_with_its_key():
    gw, fake = gateway(Call("POST", "/v1/refunds", "refund_succeeded.json",
                            {"payment_intent": PI, "amount": "3200",
                             "metadata[idempotency_key]": "refund-SF-1001-1"},
                            key="refund-SF-1001-1"))
    result = gw.refund(PI, 3200, "refund-SF-1001-1")
    assert (result.ok, result.ref) == (True, "re_3QmY0dK8vTq2LpZr1Mn8Bv6C")
    assert not fake.calls


def test_configuration_chooses_the_gateway_and_test_stays_the_default():
    assert config.DEFAULTS["PAYMENT_GATEWAY"] == "test"
    app = Flask(__name__)
    app.config.update(PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY=KEY)
    setup.init_app(app)
    assert isinstance(app.extensions["gateway"], StripeGateway)
    app.config["STRIPE_SECRET_KEY"] = ""
    with pytest.raises(RuntimeError, match="STRIPE_SECRET_KEY"):
        setup.init_app(app)


def test_a_setup_session_started_for_another_checkout_is_refused():
    """Issue 11: another customer's completed session id attaches nothing to this checkout."""
    gw, _ = gateway(*finish_calls("setup_intent_succeeded.json",
                                  "payment_method_card_credit.json",
                                  "seti_1QmX4bK8vTq2LpZr0aB7cD9e", PM))
    with pytest.raises(GatewayDeclined, match="another payment"):
        gw.finish_setup("card", SESSION, reference="user-43")
    gw, _ = gateway(*finish_calls("setup_intent_succeeded.json",
                                  "payment_method_card_credit.json",
                                  "seti_1QmX4bK8vTq2LpZr0aB7cD9e", PM))
    assert gw.finish_setup("card", SESSION, reference="user-42").last4 == "8431"
