"""One home for order state: the statuses of orders, their payments, fulfilment, refunds and
checkouts as enums, each with its table of allowed moves, and the named checks services,
views and templates ask instead of spelling statuses by hand."""
from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"  # written by a confirm whose charges are under way
    PLACED = "placed"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    RETURNED = "returned"  # came back undelivered: cancelled (R-RET-4)
    FAILED = "failed"  # the checkout's payment failed: never an order for the customer


class PaymentStatus(StrEnum):
    INCOMPLETE = "incomplete"  # a preorder not charged yet (R-PAY-2)
    PENDING = "pending"  # charged at confirmation, under way
    CHARGING = "charging"  # a deferred charge claimed by one worker
    PAID = "paid"
    FAILED = "failed"  # a charge failed: Update Payment before the deadline (R-PAY-4)
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class FulfilmentStatus(StrEnum):
    UNFULFILLED = "unfulfilled"
    DATE_CONFIRMED = "date_confirmed"
    SHIPPED = "shipped"
    RETURNED = "returned"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the provider said no; retried under a new key


class CheckoutStatus(StrEnum):
    OPEN = "open"
    PLACING = "placing"
    RECOVERING = "recovering"
    COMPLETED = "completed"


Os, P, R, C = OrderStatus, PaymentStatus, RefundStatus, CheckoutStatus
ORDER_MOVES: dict[str, set[str]] = {
    Os.PENDING_PAYMENT: {Os.PLACED, Os.FAILED},
    Os.PLACED: {Os.CANCELLED, Os.SHIPPED},
    Os.SHIPPED: {Os.RETURNED, Os.COMPLETED},
    Os.FAILED: set(), Os.CANCELLED: set(), Os.RETURNED: set(), Os.COMPLETED: set(),
}
PAYMENT_MOVES: dict[str, set[str]] = {
    P.INCOMPLETE: {P.CHARGING, P.FAILED},  # failed: its checkout's payment failed
    P.PENDING: {P.PAID, P.FAILED},
    P.CHARGING: {P.PAID, P.FAILED, P.INCOMPLETE},  # back to incomplete: a stale claim
    # charging: Update Payment; refunded: money found on an order that failed, given back
    P.FAILED: {P.CHARGING, P.REFUNDED, P.PARTIALLY_REFUNDED},
    P.PAID: {P.PARTIALLY_REFUNDED, P.REFUNDED},
    # back to paid: the provider reported a confirmed refund failed after all
    P.PARTIALLY_REFUNDED: {P.PARTIALLY_REFUNDED, P.REFUNDED, P.PAID},
    P.REFUNDED: {P.PARTIALLY_REFUNDED, P.PAID},
}
REFUND_MOVES: dict[str, set[str]] = {
    R.PENDING: {R.SUCCEEDED, R.FAILED},
    R.FAILED: {R.SUCCEEDED, R.FAILED},
    R.SUCCEEDED: set(),
}
CHECKOUT_MOVES: dict[str, set[str]] = {
    C.OPEN: {C.PLACING},
    C.PLACING: {C.COMPLETED, C.OPEN, C.RECOVERING},
    C.RECOVERING: {C.COMPLETED, C.OPEN, C.PLACING},  # back to placing: look-ups unanswered
    C.COMPLETED: set(),
}
# Orders that exist for the customer (a failed checkout charge never became an order).
VISIBLE = (Os.PLACED, Os.SHIPPED, Os.CANCELLED, Os.RETURNED, Os.COMPLETED)
# Orders whose units count against per-customer limits (R-CAT-5).
COUNTED = (Os.PENDING_PAYMENT, Os.PLACED, Os.SHIPPED, Os.COMPLETED)


class HasStatuses(Protocol):
    status: str
    payment_status: str


def is_open(order: HasStatuses) -> bool:
    """Placed and not shipped, cancelled or failed."""
    return order.status == Os.PLACED


def counts_against_limits(order: HasStatuses) -> bool:
    return order.status in COUNTED


def can_update_payment(order: HasStatuses) -> bool:
    """Update Payment: before the charge (replace the card) and after a failed one (R-PAY-4)."""
    return order.status == Os.PLACED and order.payment_status in (P.INCOMPLETE, P.FAILED)


def awaits_charge(order: HasStatuses) -> bool:
    return order.status == Os.PLACED and order.payment_status == P.INCOMPLETE


def can_staff_cancel(order: HasStatuses) -> bool:
    return order.status == Os.PLACED and order.payment_status != P.CHARGING
