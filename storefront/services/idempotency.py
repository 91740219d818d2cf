"""The one spelling of the idempotency keys sent to the payment provider.

A key is `<kind>-<order number>` (charge, auth, capture, void), with `-<attempt>` for what
can happen more than once to an order (a charge retried after a new card, each refund).
Recovery looks the money up by these same keys, so they are spelt in this one place.
"""
from __future__ import annotations


def key(kind: str, order_number: str, attempt: int | None = None) -> str:
    """The provider's idempotency key of one money movement of an order."""
    return f"{kind}-{order_number}" if attempt is None else f"{kind}-{order_number}-{attempt}"
