"""The protocol every payment gateway adapter follows."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CardDetails:
    """Card data in flight: used once to get a token, never stored or logged."""
    number: str
    exp_month: int
    exp_year: int
    cvc: str
    name: str

    def __repr__(self) -> str:  # keep card data out of logs and tracebacks
        return f"CardDetails(last4={self.number[-4:]!r})"


@dataclass(frozen=True)
class SavedMethod:
    """What the gateway gives back and the store may keep (R-CHK-5)."""
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    funding: str = "credit"  # credit | debit | prepaid
    kind: str = "card"  # card | paypal


@dataclass(frozen=True)
class ChargeResult:
    ok: bool
    ref: str = ""
    error: str = ""
    # No answer, even after a retry and a look-up: the charge may or may not have happened.
    unknown: bool = False


class GatewayDeclined(Exception):
    """The gateway refused to save or verify the card."""


class Gateway(Protocol):
    """A payment provider. Methods are saved for later charges (preorders are charged when
    their shipping date is confirmed), never held as authorisations that would expire."""

    name: str
    # True when card numbers are typed into our own form (the test gateway); False when the
    # provider collects them on its hosted page (start_setup("card", ...)).
    collects_cards: bool

    def save_card(self, card: CardDetails) -> SavedMethod:
        """Tokenise a card for later charges; raises GatewayDeclined."""

    def start_setup(self, method: str, *, reference: str, return_url: str,
                    cancel_url: str) -> str:
        """Where to send the customer to approve a reusable `method` ("paypal" or "card");
        the provider then redirects to return_url with a `token` query argument."""

    def finish_setup(self, method: str, token: str, reference: str = "") -> SavedMethod:
        """The saved method the approval produced; raises GatewayDeclined, also when the
        approval was started for another reference (another checkout or customer)."""

    def authorize(self, token: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """A small authorisation to verify a method (voided at once, R-CHK-6)."""

    def lookup(self, idempotency_key: str) -> ChargeResult | None:
        """What became of a charge whose answer was lost; None if it never happened."""

    def charge(self, token: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Charge a saved method; the same key never charges twice."""

    def capture(self, ref: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Capture an authorisation."""

    def void(self, ref: str, idempotency_key: str) -> ChargeResult:
        """Cancel an authorisation or an uncaptured charge."""

    def refund(self, ref: str, amount_cents: int, idempotency_key: str) -> ChargeResult:
        """Give back part or all of a charge."""
