"""The test gateway of the QA contract: known card numbers behave in known ways.

Its ledger lives in its own table, written in its own short transactions (a real gateway is
another system), so tests and QA can count what was really charged."""
from __future__ import annotations

import secrets
from collections.abc import Callable

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

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._sessions = session_factory

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
        ok = token.startswith("tok_test_ok_") or token.startswith("paypal_test_")
        return self._record("charge", token, amount_cents, idempotency_key, ok,
                            "" if ok else "Your card was declined.")

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
