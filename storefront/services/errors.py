"""Named failures the web layer maps to a 4xx page, a fragment or a field message."""
from __future__ import annotations


class ServiceError(Exception):
    """A rule refused the request; the message is written for the customer."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """No such thing, or not yours to see."""


class InvalidInput(ServiceError):
    """Bad values, each with a message for its field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Please correct the highlighted fields.")
        self.errors = errors


class NotAllowed(ServiceError):
    """A store rule forbids this."""


class OutOfStock(NotAllowed):
    """Not enough units left."""


class LimitExceeded(NotAllowed):
    """A per-order or per-customer limit would be passed (R-CAT-5)."""


class RegionRestricted(NotAllowed):
    """Not sold in the customer's region (R-CAT-4)."""


class PaymentFailed(ServiceError):
    """The gateway declined or refused the card."""
