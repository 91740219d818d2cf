"""The test gateway of the QA contract: known card numbers behave in known ways.

Its ledger lives in its own table, written in its own short transactions (a real gateway is
another system), so tests and QA can count what was really charged."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.models import TestGatewayCharge
from storefront.payments import cards
from storefront.payments.gateway import CardDetails, ChargeResult, GatewayDeclined, SavedMethod
from storefront.services import clock

DECLINED = {"4000000000000002"}
FAILS_LATER = {"4000000000000341"}
FUNDING = {"4000056655665556": "debit", "5200828282828210": "debit",
           "5105105105105100": "prepaid"}


class TestGateway:
    """Deterministic gateway for development, tests and QA mode."""
    __test__ = False
    name = "test"
    collects_cards = True
    # Test-only fault injection: "timeout" fails before charging; "lose_answer" charges,
    # then fails as if the answer was lost on the way back. Consumed by the next charge.
    fault: str = ""

    def __init__(self, session_factory: Callable[[], Session], secret: str = "test") -> None:
        self._sessions = session_factory
        self._approvals = URLSafeTimedSerializer(secret, salt="test-gateway-paypal")

    def start_setup(self, method: str, *, reference: str, return_url: str,
                    cancel_url: str) -> str:
        """The local PayPal approval page (the store serves it while this gateway is on)."""
        if method != "paypal":
            raise GatewayDeclined("The test gateway takes cards in the store's own form.")
        ticket = self._approvals.dumps({"ref": reference, "ok": return_url, "no": cancel_url})
        return f"/_test-gateway/paypal?{urlencode({'ticket': ticket})}"

    def read_ticket(self, ticket: str) -> dict[str, str]:
        """The approval page's ticket, or GatewayDeclined when forged or stale."""
        try:
            return self._approvals.loads(ticket, max_age=3600)
        except BadSignature:
            raise GatewayDeclined("This PayPal approval is not valid.") from None

    def approval_token(self, ticket: str) -> str:
        data = self.read_ticket(ticket)
        return self._approvals.dumps({"approved": data["ref"], "n": secrets.token_hex(6)})

    def finish_setup(self, method: str, token: str) -> SavedMethod:
        try:
            data = self._approvals.loads(token, max_age=3600)
        except BadSignature:
            raise GatewayDeclined("PayPal did not approve this payment.") from None
        if method != "paypal" or "approved" not in data:
            raise GatewayDeclined("PayPal did not approve this payment.")
        return SavedMethod(token=f"paypal_test_{data['n']}", brand="PayPal", last4="",
                           exp_month=0, exp_year=0, kind="paypal")

    def authorize(self, token: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        return self._record("auth", token, amount_cents, idempotency_key, True, "")

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        with self._sessions() as s:
            found = s.scalars(select(TestGatewayCharge)
                              .where(TestGatewayCharge.idempotency_key == idempotency_key)
                              ).first()
            if found is None:
                return None
            return ChargeResult(ok=found.succeeded, ref=found.ref,
                                error="" if found.succeeded else "Your card was declined.")

    def save_card(self, card: CardDetails) -> SavedMethod:
        number = cards.digits(card.number)
        if number in DECLINED:
            raise GatewayDeclined("Your card was declined. Please use another card.")
        behaviour = "failcharge" if number in FAILS_LATER else "ok"
        return SavedMethod(token=f"tok_test_{behaviour}_{secrets.token_hex(8)}",
                           brand=cards.brand(number) or "Card", last4=number[-4:],
                           exp_month=card.exp_month, exp_year=card.exp_year,
                           funding=FUNDING.get(number, "credit"))

    def charge(self, token: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        fault, TestGateway.fault = TestGateway.fault, ""
        if fault == "timeout":
            raise TimeoutError("the test gateway timed out")
        ok = token.startswith("tok_test_ok_") or token.startswith("paypal_test_")
        result = self._record("charge", token, amount_cents, idempotency_key, ok,
                              "" if ok else "Your card was declined.")
        if fault == "lose_answer":
            raise ConnectionError("the answer of the test gateway was lost")
        return result

    def capture(self, ref: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        return self._record("capture", ref, amount_cents, idempotency_key, True, "")

    def void(self, ref: str, idempotency_key: str) -> ChargeResult:
        return self._record("void", ref, 0, idempotency_key, True, "")

    def refund(self, ref: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        return self._record("refund", ref, amount_cents, idempotency_key, True, "")

    def _record(self, kind: str, token: str, amount: int, key: str, ok: bool, error: str
                ) -> ChargeResult:
        """Write the movement once per key; a repeated key returns the first answer."""
        with self._sessions() as s:
            found = s.scalars(select(TestGatewayCharge)
                              .where(TestGatewayCharge.idempotency_key == key)).first()
            if found is None:
                found = TestGatewayCharge(idempotency_key=key, token=token, kind=kind,
                                          amount_cents=amount, succeeded=ok,
                                          ref=f"test_{kind}_{secrets.token_hex(8)}",
                                          created_at=clock.now())
                s.add(found)
                try:
                    s.commit()
                except IntegrityError:  # the same key raced in from another process
                    s.rollback()
                    found = s.scalars(select(TestGatewayCharge)
                                      .where(TestGatewayCharge.idempotency_key == key)).one()
            return ChargeResult(ok=found.succeeded, ref=found.ref,
                                error="" if found.succeeded else error)
