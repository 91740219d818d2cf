"""The one spelling of the idempotency keys sent to the payment provider.

A key is `<kind>-<order number>` (charge, auth, capture, void), with `-<attempt>` for what
can happen more than once to an order (a charge retried after a new card, each refund); a
card's own verification (R-CHK-6) is keyed by the card's token, as `verify-<token end>`.
Recovery looks the money up by these same keys, so they are spelt in this one place.
"""
from __future__ import annotations


def key(kind: str, order_number: str, attempt: int | None = None) -> str:
    """The provider's idempotency key of one money movement of an order."""
    return f"{kind}-{order_number}" if attempt is None else f"{kind}-{order_number}-{attempt}"


def card_key(kind: str, token: str) -> str:
    """The key of a movement of a card before any order: its verification and the void of it
    (`card_key("void", token)` is `void-verify-<token end>`)."""
    verify = f"verify-{token[-24:]}"
    return verify if kind == "verify" else f"{kind}-{verify}"
