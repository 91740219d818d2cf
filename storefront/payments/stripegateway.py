"""Stripe behind the Gateway protocol, through Stripe's official SDK (StripeClient).

Cards and PayPal are collected on Stripe's hosted Checkout page (setup mode), so card numbers
never reach this server (PCI); the store keeps only "customer_id:payment_method_id", the brand,
last 4 digits and expiry. Every money movement carries the caller's idempotency key both as
Stripe's Idempotency-Key header (a replay never moves money twice) and as metadata, so a charge
whose answer was lost can be found with the PaymentIntent search API. A definite refusal
(CardError, InvalidRequestError) is a ChargeResult(ok=False); anything else (network, 5xx, rate
limit, bad API key) propagates, and callers treat it as "answer lost"."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import stripe

from storefront.payments.gateway import CardDetails, ChargeResult, GatewayDeclined, SavedMethod

BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "jcb": "JCB", "amex": "American Express",
          "diners": "Diners Club"}
METHODS = ("card", "paypal")
# processing: Stripe has the payment and settles it later; requires_capture: an authorisation.
CHARGED = {"succeeded", "processing", "requires_capture"}
REFUSED = (stripe.CardError, stripe.InvalidRequestError)


class StripeGateway:
    """Stripe adapter: hosted setup for cards and PayPal, off-session charges by token."""
    name = "stripe"
    collects_cards = False

    def __init__(self, api_key: str, *, http_client: stripe.HTTPClient | None = None,
                 currency: str = "usd", max_network_retries: int = 2,
                 api_base: str = "") -> None:
        if not api_key:
            raise RuntimeError("Set STOREFRONT_STRIPE_SECRET_KEY to use the Stripe gateway.")
        # Network retries are safe: each retry repeats the same Idempotency-Key. Each try
        # waits at most 5 s to connect and 15 s for an answer (Stripe's own default is 80 s),
        # so a request with its retries ends within the workers' 60 s (see README, deploy).
        self._client = stripe.StripeClient(
            api_key, http_client=http_client or stripe.RequestsClient(timeout=(5, 15)),
            max_network_retries=max_network_retries,
            # Another Stripe API server (localstripe in the tests); Stripe's own by default.
            base_addresses={"api": api_base} if api_base else {})
        self._currency = currency

    def save_card(self, card: CardDetails) -> SavedMethod:
        """Not offered: Stripe collects cards on its hosted page (use start_setup)."""
        raise NotImplementedError("StripeGateway never receives card numbers; use start_setup.")

    def start_setup(self, method: str, *, reference: str, return_url: str,
                    cancel_url: str) -> str:
        """Create a Customer and a setup-mode Checkout Session; return the page to send them to."""
        if method not in METHODS:
            raise ValueError(f"Unknown payment method {method!r}")
        customer = self._client.v1.customers.create(params={"metadata": {"reference": reference}})
        joiner = "&" if "?" in return_url else "?"
        # stripe's TypedDicts want literal method names; `method` is one of METHODS (above).
        session = self._client.v1.checkout.sessions.create(params={  # type: ignore[arg-type]
            "mode": "setup", "customer": customer.id, "payment_method_types": [method],
            "currency": self._currency, "client_reference_id": reference,
            "success_url": f"{return_url}{joiner}token={{CHECKOUT_SESSION_ID}}",
            "cancel_url": cancel_url,
            "setup_intent_data": {"metadata": {"reference": reference}},
        })
        if not session.url:
            raise RuntimeError("Stripe returned a Checkout Session without a URL.")
        return session.url

    def finish_setup(self, method: str, token: str, reference: str = "") -> SavedMethod:
        """Read the completed session, its SetupIntent and PaymentMethod into a SavedMethod.
        The session must be the one started for `reference` (its client_reference_id), and
        the method must belong to the customer that session created."""
        session = self._client.v1.checkout.sessions.retrieve(token)
        if session.mode != "setup" or session.status != "complete" or not session.setup_intent:
            raise GatewayDeclined("The payment method was not approved. Please try again.")
        if reference and session.client_reference_id != reference:
            raise GatewayDeclined("This approval belongs to another payment. Please try again.")
        intent = self._client.v1.setup_intents.retrieve(_id(session.setup_intent))
        if intent.status != "succeeded" or not intent.payment_method:
            raise GatewayDeclined("The payment method could not be saved. Please try again.")
        pm = self._client.v1.payment_methods.retrieve(_id(intent.payment_method))
        customer = _id(session.customer)
        owners = {_id(pm.customer), _id(intent.customer)} - {""}
        if pm.type != method or not customer or owners - {customer}:
            raise GatewayDeclined("The payment method could not be saved. Please try again.")
        saved = f"{customer}:{pm.id}"
        if pm.type == "paypal":
            return SavedMethod(token=saved, brand="PayPal", last4="", exp_month=0, exp_year=0,
                               funding="credit", kind="paypal")
        card = pm.card
        assert card is not None
        return SavedMethod(token=saved, brand=BRANDS.get(card.brand, card.brand.title()),
                           last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year,
                           funding=card.funding or "unknown", kind="card")

    def charge(self, token: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Charge a saved method off-session; the same key never charges twice."""
        return self._pay(token, amount_cents, idempotency_key, capture=True)

    def authorize(self, token: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Hold an amount on a saved method (manual capture) to verify it."""
        return self._pay(token, amount_cents, idempotency_key, capture=False)

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        """Find the PaymentIntent created with this key (search API); None if there is none.

        Search lags writes by up to a minute: a None soon after a lost answer is not proof, but
        a retry with the same key is still safe, as Stripe replays keys for 24 hours."""
        quoted = idempotency_key.replace("\\", "\\\\").replace("'", "\\'")
        found = self._client.v1.payment_intents.search(params={
            "query": f"metadata['idempotency_key']:'{quoted}'", "limit": 1})
        return _outcome(found.data[0]) if found.data else None

    def capture(self, ref: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Capture an authorised PaymentIntent."""
        return self._call(lambda: _outcome(self._client.v1.payment_intents.capture(
            ref, params={"amount_to_capture": amount_cents},
            options={"idempotency_key": idempotency_key})))

    def void(self, ref: str, idempotency_key: str) -> ChargeResult:
        """Cancel an uncaptured PaymentIntent, releasing the hold."""
        def cancel() -> ChargeResult:
            intent = self._client.v1.payment_intents.cancel(
                ref, options={"idempotency_key": idempotency_key})
            return ChargeResult(ok=intent.status == "canceled", ref=intent.id,
                                error="" if intent.status == "canceled" else intent.status)
        return self._call(cancel)

    def refund(self, ref: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Refund part or all of a PaymentIntent."""
        def create() -> ChargeResult:
            refund = self._client.v1.refunds.create(params={
                "payment_intent": ref, "amount": amount_cents,
                "metadata": {"idempotency_key": idempotency_key}},
                options={"idempotency_key": idempotency_key})
            ok = refund.status in ("succeeded", "pending")
            return ChargeResult(ok=ok, ref=refund.id,
                                error="" if ok else f"The refund {refund.status}.")
        return self._call(create)

    def _pay(self, token: str, amount: int, key: str, *, capture: bool) -> ChargeResult:
        """Create and confirm an off-session PaymentIntent for a saved method."""
        customer, _, method = token.partition(":")
        params: dict[str, Any] = {
            "amount": amount, "currency": self._currency, "customer": customer,
            "payment_method": method, "payment_method_types": list(METHODS),
            "off_session": True, "confirm": True, "metadata": {"idempotency_key": key}}
        if not capture:
            params["capture_method"] = "manual"
        return self._call(lambda: _outcome(self._client.v1.payment_intents.create(
            params=params,  # type: ignore[arg-type]  # built above from stripe's reference
            options={"idempotency_key": key})))

    @staticmethod
    def _call(call: Callable[[], ChargeResult]) -> ChargeResult:
        """Run a call; a refusal by Stripe becomes ok=False, anything else propagates."""
        try:
            return call()
        except REFUSED as exc:
            intent = exc.error.payment_intent if exc.error else None
            return ChargeResult(ok=False, ref=intent.id if intent else "",
                                error=exc.user_message or "The payment was refused.")


def _id(value: Any) -> str:
    """The id of an expandable field, whether an id string or an expanded object."""
    if value is None or isinstance(value, str):
        return value or ""
    return value.id


def _outcome(intent: stripe.PaymentIntent) -> ChargeResult:
    """What a PaymentIntent's status means for the store."""
    if intent.status in CHARGED:
        return ChargeResult(ok=True, ref=intent.id)
    error = intent.last_payment_error
    message = error.message if error and error.message else "The payment was not completed."
    return ChargeResult(ok=False, ref=intent.id, error=message)
