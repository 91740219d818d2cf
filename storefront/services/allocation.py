"""Short allocation: the factory delivered fewer units than were preordered (or none: the
manufacturer cancelled the product). The earliest orders, by when they were placed, are
kept while the units last; every later one is cancelled, refunded where charged, and
emailed with the reason; the product's stock is set to what is left.

`allocate` is one re-runnable job: a second run with the same units finds the cancelled
orders no longer open and the stock already set, and changes nothing."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.models import Order, OrderLine, Product
from storefront.payments import Gateway
from storefront.services import cancelling, orders, refunds
from storefront.services.errors import AllocationChanged, ChargeInProgress, InvalidInput
from storefront.services.states import OrderStatus, PaymentStatus, is_open

SHORT_REASON = ("The manufacturer delivered fewer units than were preordered, and the units "
                "went to the earliest orders.")
CANCELLED_REASON = "The manufacturer cancelled this product."
MAX_UNITS = 1_000_000


@dataclass
class Plan:
    units: int
    keep: list[tuple[Order, int]] = field(default_factory=list)  # (order, units of product)
    cancel: list[tuple[Order, int]] = field(default_factory=list)

    @property
    def kept_units(self) -> int:
        return sum(quantity for _, quantity in self.keep)

    @property
    def left(self) -> int:
        """Units still unsold once the kept orders are served."""
        return self.units - self.kept_units

    @property
    def cancel_numbers(self) -> list[str]:
        return [order.number for order, _ in self.cancel]


@dataclass
class Outcome:
    kept: int = 0
    cancelled: list[str] = field(default_factory=list)
    refunded_cents: int = 0
    stock: int = 0
    changed: bool = False


def parse_units(text: str | int) -> int:
    try:
        units = int(str(text).strip())
    except ValueError:
        raise InvalidInput({"units": "Enter the number of units delivered (0 or more)."}) \
            from None
    if not 0 <= units <= MAX_UNITS:
        raise InvalidInput({"units": "Enter the number of units delivered (0 or more)."})
    return units


def plan(session: Session, product: Product, units: int) -> Plan:
    """Which open orders keep their units (earliest placed first, while the units last) and
    which are cancelled. Strictly by time: once an order cannot be filled, no later order
    is served before it (one query)."""
    result = Plan(units)
    rows = session.execute(
        select(Order, OrderLine.quantity).join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.product_id == product.id, Order.status == OrderStatus.PLACED)
        .order_by(Order.created_at, Order.id))
    left, full = units, False
    for order, quantity in rows:
        if not full and quantity <= left:
            result.keep.append((order, quantity))
            left -= quantity
        else:
            full = True
            result.cancel.append((order, quantity))
    return result


def cancel_and_refund(session: Session, gateway: Gateway, order: Order, reason: str, *,
                      actor: str, base_url: str = "") -> int:
    """The store's staff cancellation (cancelling.staff_cancel): cancelled, unshipped stock
    returned, the customer emailed (kind `cancelled`), anything paid refunded in full through
    a refund record the refunds job retries until the provider confirms it. The one call the
    allocation makes per order. Returns the cents to refund (0 if the order is not open)."""
    order = orders.lock(session, order)
    if not is_open(order):
        session.commit()
        return 0
    due = refunds.refundable_cents(session, order)
    cancelling.staff_cancel(session, order.id, reason, actor, gateway=gateway,
                            base_url=base_url)
    return due


def allocate(session: Session, gateway: Gateway, product: Product, units: int | str, *,
             actor: str, base_url: str = "", expect_cancel: list[str] | None = None
             ) -> Outcome:
    """Keep the earliest orders, cancel and refund the rest, set the stock (re-runnable).
    `expect_cancel`: the order numbers the confirmed preview showed; if the plan differs
    now (orders placed or cancelled since), nothing is done."""
    units = parse_units(units)  # type: ignore[assignment]
    product_id = product.id
    current = plan(session, product, units)
    if expect_cancel is not None and sorted(expect_cancel) != sorted(current.cancel_numbers):
        session.rollback()
        raise AllocationChanged("The open orders changed since the preview; please check the "
                                "new preview and confirm again.")
    if any(order.payment_status == PaymentStatus.CHARGING for order, _ in current.cancel):
        session.rollback()
        raise ChargeInProgress("An order to cancel is being charged right now; try again in a "
                               "few minutes.")
    outcome = Outcome(kept=len(current.keep), stock=current.left)
    reason = CANCELLED_REASON if units == 0 else SHORT_REASON
    for order, _ in current.cancel:
        outcome.refunded_cents += cancel_and_refund(session, gateway, order, reason,
                                                    actor=actor, base_url=base_url)
        outcome.cancelled.append(order.number)
    item = session.get_one(Product, product_id)
    session.refresh(item)
    if item.stock != current.left:
        item.stock = current.left  # no more sold than the factory delivered
        outcome.changed = True
    outcome.changed = outcome.changed or bool(outcome.cancelled)
    session.commit()
    return outcome
