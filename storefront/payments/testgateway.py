"""The test gateway of the QA contract: a provider that behaves like a real one.

It keeps a provider's state machine: an authorisation is captured (at most what was held) or
voided (only before capture); a charge or a capture can be refunded, in parts, never above
what was captured. Idempotency keys are remembered like Stripe's: a repeated key gets the
first answer. Known card numbers behave in known ways, and every operation can be made to
decline, go unanswered or lose its answer (storefront.payments.faults, POST /_qa/gateway).

Its ledger lives in its own table, written in its own short transactions (a real provider is
another system), so tests and QA can count what was really charged."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import TestGatewayCharge
from storefront.payments import card_checks, faults
from storefront.payments.gateway import CardDetails, ChargeResult, GatewayDeclined, SavedMethod

DECLINED = {"4000000000000002"}
FAILS_LATER = {"4000000000000341"}
# Insufficient funds above 500.00 USD (QA contract, "money under faults").
LIMITED = {"4000000000009995": 50000}
FUNDING = {"4000056655665556": "debit", "5200828282828210": "debit",
           "5105105105105100": "prepaid"}
DECLINE = "Your card was declined."
UNEXPECTED = "The payment is not in a state that allows this."


class TestGateway:
    """Deterministic, stateful gateway for development, tests and QA mode."""
    __test__ = False
    name = "test"
    collects_cards = True
    # One-shot fault of the next charge, kept for unit tests: "timeout" fails before
    # charging; "lose_answer" charges, then fails as if the answer was lost on the way back.
    fault: str = ""

    def __init__(self, session_factory: Callable[[], Session], secret: str = "test") -> None:
        self._sessions = session_factory
        self._approvals = URLSafeTimedSerializer(secret, salt="test-gateway-paypal")

    # -- setup: cards typed into the store's form, PayPal through the local approval page --

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

    def finish_setup(self, method: str, token: str, reference: str = "") -> SavedMethod:
        try:
            data = self._approvals.loads(token, max_age=3600)
        except BadSignature:
            raise GatewayDeclined("PayPal did not approve this payment.") from None
        if method != "paypal" or "approved" not in data:
            raise GatewayDeclined("PayPal did not approve this payment.")
        if reference and data["approved"] != reference:
            raise GatewayDeclined("This PayPal approval belongs to another payment.")
        self._fault("setup")
        return SavedMethod(token=f"paypal_test_{data['n']}", brand="PayPal", last4="",
                           exp_month=0, exp_year=0, kind="paypal")

    def save_card(self, card: CardDetails) -> SavedMethod:
        number = card_checks.digits(card.number)
        if number in DECLINED or self._fault("setup"):
            raise GatewayDeclined("Your card was declined. Please use another card.")
        behaviour = ("failcharge" if number in FAILS_LATER else
                     f"limit{LIMITED[number]}" if number in LIMITED else "ok")
        return SavedMethod(token=f"tok_test_{behaviour}_{number[-4:]}_{secrets.token_hex(8)}",
                           brand=card_checks.brand(number) or "Card", last4=number[-4:],
                           exp_month=card.exp_month, exp_year=card.exp_year,
                           funding=FUNDING.get(number, "credit"))

    # -- money --

    def authorize(self, token: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Hold an amount: nothing is taken until it is captured."""
        return self._move("auth", "authorize", token, "", amount_cents, idempotency_key,
                          lambda s: _card_refusal(token, amount_cents))

    def charge(self, token: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Take an amount at once (an authorisation captured in the same step)."""
        fault, TestGateway.fault = TestGateway.fault, ""
        if fault == "timeout":
            raise TimeoutError("the test gateway timed out")
        result = self._move("charge", "charge", token, "", amount_cents, idempotency_key,
                            lambda s: _card_refusal(token, amount_cents))
        if fault == "lose_answer":
            raise ConnectionError("the answer of the test gateway was lost")
        return result

    def capture(self, ref: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Take at most what an open authorisation holds."""
        def refusal(s: Session) -> str:
            held = _by_ref(s, ref)
            if held is None or held.kind != "auth" or not held.succeeded or _closed(s, ref):
                return UNEXPECTED
            return "" if 0 < amount_cents <= held.amount_cents else "Amount above the hold."
        return self._move("capture", "capture", "", ref, amount_cents, idempotency_key,
                          refusal)

    def void(self, ref: str, idempotency_key: str) -> ChargeResult:
        """Release an authorisation; refused once it was captured (as Stripe refuses)."""
        def refusal(s: Session) -> str:
            held = _by_ref(s, ref)
            if held is None or held.kind != "auth" or not held.succeeded or _closed(s, ref):
                return UNEXPECTED
            return ""
        return self._move("void", "void", "", ref, 0, idempotency_key, refusal)

    def refund(self, ref: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Give back part or all of what a charge or capture took; never more."""
        def refusal(s: Session) -> str:
            left = _captured(s, ref) - _refunded(s, ref)
            return "" if 0 < amount_cents <= left else "The refund exceeds what was captured."
        return self._move("refund", "refund", "", ref, amount_cents, idempotency_key, refusal)

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        """The recorded answer to a key, or None when the provider never saw it."""
        if faults.active(self._sessions, "lookup"):
            raise ConnectionError("the test gateway did not answer the look-up")
        with self._sessions() as s:
            found = s.scalars(select(TestGatewayCharge)
                              .where(TestGatewayCharge.idempotency_key == idempotency_key)
                              ).first()
            return None if found is None else _answer(found)

    # -- the ledger --

    def _fault(self, operation: str) -> bool:
        """Raise for an outage or a lost answer; True when the provider must decline."""
        mode = faults.active(self._sessions, operation)
        if mode in ("outage", "lose_answers"):
            raise ConnectionError(f"the test gateway did not answer ({operation})")
        return mode == "decline"

    def _move(self, kind: str, operation: str, token: str, parent: str, amount: int, key: str,
              refusal: Callable[[Session], str]) -> ChargeResult:
        """Record one movement per key; a repeated key returns the first answer."""
        mode = faults.active(self._sessions, operation)
        if mode == "outage":
            raise ConnectionError(f"the test gateway did not answer ({operation})")
        with self._sessions() as s:
            found = _by_key(s, key)
            if found is None:
                parent_row = _by_ref(s, parent) if parent else None
                token = token or (parent_row.token if parent_row else "")
                error = DECLINE if mode == "decline" else refusal(s)
                found = TestGatewayCharge(
                    idempotency_key=key, token=token, kind=kind, amount_cents=amount,
                    succeeded=not error, error=error[:200], parent_ref=parent,
                    ref=f"test_{kind}_{secrets.token_hex(8)}", created_at=clock.now())
                s.add(found)
                try:
                    s.commit()
                except IntegrityError:  # the same key raced in from another process
                    s.rollback()
                    found = _by_key(s, key)
                    assert found is not None
            answer = _answer(found)
        if mode == "lose_answers":
            raise ConnectionError(f"the answer of the test gateway was lost ({operation})")
        return answer


INSUFFICIENT_FUNDS = "Your card was declined (insufficient funds)."


def _card_refusal(token: str, amount: int) -> str:
    if token.startswith("tok_test_failcharge_"):
        return DECLINE
    if token.startswith("tok_test_limit"):
        limit = int(token.split("_")[2].removeprefix("limit") or 0)
        if amount > limit:
            return INSUFFICIENT_FUNDS
    if not (token.startswith("tok_test_") or token.startswith("paypal_test_")):
        return DECLINE
    return ""


def _answer(row: TestGatewayCharge) -> ChargeResult:
    """Captures and voids answer with the authorisation's reference, as Stripe's
    PaymentIntent keeps its id; refunds and charges with their own."""
    ref = row.parent_ref if row.kind in ("capture", "void") else row.ref
    return ChargeResult(ok=row.succeeded, ref=ref, error="" if row.succeeded else row.error)


def _by_key(s: Session, key: str) -> TestGatewayCharge | None:
    return s.scalars(select(TestGatewayCharge)
                     .where(TestGatewayCharge.idempotency_key == key)).first()


def _by_ref(s: Session, ref: str) -> TestGatewayCharge | None:
    return s.scalars(select(TestGatewayCharge).where(TestGatewayCharge.ref == ref)).first()


def _closed(s: Session, ref: str) -> bool:
    """An authorisation already captured or voided."""
    return bool(s.scalar(select(func.count()).select_from(TestGatewayCharge).where(
        TestGatewayCharge.parent_ref == ref, TestGatewayCharge.succeeded.is_(True),
        TestGatewayCharge.kind.in_(("capture", "void")))))


def _captured(s: Session, ref: str) -> int:
    row = _by_ref(s, ref)
    if row is None or not row.succeeded:
        return 0
    if row.kind == "charge":
        return row.amount_cents
    return int(s.scalar(select(func.coalesce(func.sum(TestGatewayCharge.amount_cents), 0))
                        .where(TestGatewayCharge.parent_ref == ref,
                               TestGatewayCharge.kind == "capture",
                               TestGatewayCharge.succeeded.is_(True))) or 0)


def _refunded(s: Session, ref: str) -> int:
    return int(s.scalar(select(func.coalesce(func.sum(TestGatewayCharge.amount_cents), 0))
                        .where(TestGatewayCharge.parent_ref == ref,
                               TestGatewayCharge.kind == "refund",
                               TestGatewayCharge.succeeded.is_(True))) or 0)
