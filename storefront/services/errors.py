"""Named failures the web layer maps to a 4xx page, a fragment or a field message.

Each class has a stable `code` that tests and benchmarks assert on instead of the wording
of the message, which is written for the customer and may change. Where one kind of refusal
has several causes, the instance's `code` names the cause (`CancelRefused("...",
code="release_date_changed")`); the class stays what views map.
"""
from __future__ import annotations


class ServiceError(Exception):
    """A rule refused the request; the message is written for the customer."""

    code = "refused"

    def __init__(self, message: str, field: str | None = None, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class NotFound(ServiceError):
    """No such thing, or not yours to see."""

    code = "not_found"


class InvalidInput(ServiceError):
    """Bad values, each with a message for its field."""

    code = "invalid_input"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Please correct the highlighted fields.")
        self.errors = errors


class NotAllowed(ServiceError):
    """A store rule forbids this."""

    code = "not_allowed"


class OutOfStock(NotAllowed):
    """Not enough units left (R-CAT-6)."""

    code = "out_of_stock"


class LimitExceeded(NotAllowed):
    """A per-order or per-customer limit would be passed (R-CAT-5)."""

    code = "limit_exceeded"


class RegionRestricted(NotAllowed):
    """Not sold in, or not shipped to, the customer's region (R-CAT-4, R-ACC-5)."""

    code = "region_restricted"


class WindowClosed(NotAllowed):
    """The preorder window has closed (R-CAT-6)."""

    code = "window_closed"


class InvalidQuantity(NotAllowed):
    """A quantity below one."""

    code = "invalid_quantity"


class CartEmpty(NotAllowed):
    """There is nothing in the cart to check out."""

    code = "cart_empty"


class CartChanged(NotAllowed):
    """The cart differs from the one the customer reviewed on the confirm page."""

    code = "cart_changed"


class StepsIncomplete(NotAllowed):
    """A checkout step before Confirm Order is still open."""

    code = "steps_incomplete"


class AccountRestricted(NotAllowed):
    """The account may no longer place orders."""

    code = "account_restricted"


class CouponRefused(NotAllowed):
    """The coupon does not apply (unknown, not yet valid, expired, used, minimum not met)."""

    code = "coupon_refused"


class PaymentFailed(ServiceError):
    """The gateway declined or refused the card."""

    code = "payment_failed"


class OrderLocked(NotAllowed):
    """The order is past the point where this can change (shipped, dated, not paid...)."""

    code = "order_locked"


class CancelRefused(NotAllowed):
    """The order cannot be cancelled now; the code names the rule (R-RET-3)."""

    code = "cancel_refused"


class ExchangeRefused(NotAllowed):
    """No exchange now: not arrived, one already waiting, none to approve, no stock."""

    code = "exchange_refused"


class ChargeInProgress(NotAllowed):
    """A charge of this order is running; the answer comes in a few minutes."""

    code = "charge_in_progress"


class PaymentLocked(NotAllowed):
    """The order's payment cannot be changed: nothing to pay, deadline passed, method fixed."""

    code = "payment_locked"


class ProviderUnavailable(NotAllowed):
    """The payment provider did not answer; nothing was decided."""

    code = "provider_unavailable"


class MethodRefused(NotAllowed):
    """The payment method is not accepted (debit or prepaid card, brand) or not approved."""

    code = "method_refused"


class RefundRefused(NotAllowed):
    """Nothing left to refund, or the refund is already confirmed."""

    code = "refund_refused"


class AllocationChanged(NotAllowed):
    """The open orders changed since the allocation's preview."""

    code = "allocation_changed"


class AccountExists(NotAllowed):
    """An account with this email already exists."""

    code = "account_exists"
