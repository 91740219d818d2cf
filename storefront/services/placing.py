"""Confirm Order: exactly once, stock taken atomically, charges outside any transaction.

1. Claim the checkout (open -> placing) in the same transaction that takes the stock and
   writes the orders; a second confirm finds it claimed and is shown the first one's result.
2. Take what must be charged now (R-PAY-1, R-PAY-2): one order is charged; several are
   authorised first and captured only when every authorisation succeeded (services.settlement).
3. Record the outcome: paid orders, a confirmation email, an empty cart, in one transaction;
   or, if a charge failed, fail the orders, give the stock back, reopen the checkout and write
   down what must be given back (refunds, voids, look-ups), retried until the provider answers.
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Checkout, Order, OrderLine, Payment, Product, User
from storefront.payments import Gateway
from storefront.services import cart as carts
from storefront.services import coupons, mail, orders, rows, settlement, states
from storefront.services.checkout_steps import (
    Rules,
    by_token,
    check_cart,
    discount_for,
    fingerprint,
    next_step,
    plan,
)
from storefront.services.errors import (
    CartChanged,
    CouponRefused,
    LimitExceeded,
    NotAllowed,
    OutOfStock,
    PaymentFailed,
    RegionRestricted,
    StepsIncomplete,
)
from storefront.services.states import CheckoutStatus, OrderStatus, PaymentStatus

COUNTED = states.COUNTED


def confirm(session: Session, *, user: User, token: str, seen: str, gateway: Gateway,
            rules: Rules) -> Checkout:
    """Place the checkout's orders once; a repeat returns the same checkout (R-CHK-2)."""
    checkout = by_token(session, user, token)
    if checkout.status != CheckoutStatus.OPEN:
        session.rollback()
        return checkout
    claimed = rows.changed(session, update(Checkout)
                           .where(Checkout.id == checkout.id,
                                  Checkout.status == CheckoutStatus.OPEN)
                           .values(status=CheckoutStatus.PLACING))
    if claimed != 1:
        session.rollback()
        return by_token(session, user, token)
    try:
        placed = _place(session, checkout, user, seen, rules)
    except Exception:
        session.rollback()
        raise
    due = [o for o in placed if o.payment_status == PaymentStatus.PENDING]
    if not due:
        complete(session, checkout, user, placed, rules)
        return checkout
    token = checkout.payment_method.token if checkout.payment_method else ""
    session.commit()  # nothing may hold the database while we wait on the gateway
    outcomes = settlement.take(gateway, token, due)
    if all(out.taken for out in outcomes.values()):
        for order in due:
            record_charge(session, order, outcomes[order.id])
        complete(session, checkout, user, placed, rules)
        return checkout
    undo(session, gateway, checkout, placed, outcomes)
    refused = [out.result.error for out in outcomes.values() if not out.result.ok]
    raise PaymentFailed(next(iter(refused), "") or "Your payment was declined.")


def _place(session: Session, checkout: Checkout, user: User, seen: str, rules: Rules
           ) -> list[Order]:
    # Lock the customer so their own concurrent orders count against per-customer limits.
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    if next_step(checkout) != "confirm":
        raise StepsIncomplete("Please complete every checkout step first.")
    cart = check_cart(carts.get(session, carts.Owner(user_id=user.id)), user)
    if fingerprint(cart, checkout.coupon_code) != seen:
        raise CartChanged("Your cart changed since you reviewed it. Please check the orders "
                          "below and confirm again.")
    address = checkout.shipping_address or {}
    if address.get("country") != user.region:
        raise RegionRestricted("The shipping address must be in your account region.")
    try:
        discount = discount_for(session, checkout, user, cart, rules)
    except NotAllowed as exc:
        raise CouponRefused(f"{exc.message} Remove the coupon to continue.",
                            field=exc.field) from None
    for line in cart.lines:
        _check_customer_limit(session, user, line.product, line.quantity)
        _take_stock(session, line.product, line.quantity)
    now = clock.now()
    placed = []
    for position, p in enumerate(plan(cart, user.region or "", rules, discount)):
        order = Order(number=orders.new_number(), user_id=user.id, email=user.email,
                      checkout=checkout, position=position, kind=p.kind,
                      status=OrderStatus.PENDING_PAYMENT,
                      payment_status=(PaymentStatus.PENDING if p.charge_now
                                      else PaymentStatus.INCOMPLETE),
                      items_cents=p.items_cents, shipping_cents=p.shipping_cents,
                      discount_cents=p.discount_cents, total_cents=p.total_cents,
                      shipping_address=dict(address),
                      billing_address=dict(checkout.billing_address or address),
                      payment_method_id=checkout.payment_method_id, created_at=now)
        order.lines = [OrderLine(product_id=li.product_id, product_name=li.name,
                                 unit_price_cents=li.unit_cents, quantity=li.quantity,
                                 release_date=li.release_date) for li in p.lines]
        orders.log_event(order, "placed", "Order placed on the website.", user.email)
        if discount is not None and p.discount_cents:
            coupons.spend(session, discount, user, order)
            orders.log_event(order, "coupon", f"Coupon {p.coupon_code}: "
                             f"{p.discount_cents} cents off the items.", user.email)
        session.add(order)
        placed.append(order)
    session.flush()
    return placed


def _check_customer_limit(session: Session, user: User, product: Product, quantity: int) -> None:
    """R-CAT-5: a per-customer limit counts every live order of this customer."""
    if product.per_customer_limit is None:
        return
    had = session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))
                         .join(Order).where(Order.user_id == user.id,
                                            OrderLine.product_id == product.id,
                                            Order.status.in_(COUNTED))) or 0
    if had + quantity > product.per_customer_limit:
        raise LimitExceeded(f"{product.name} is limited to {product.per_customer_limit} per "
                            f"customer; you have already ordered {had}.")


def _take_stock(session: Session, product: Product, quantity: int) -> None:
    """Take units in one atomic UPDATE that cannot go below zero (R-CAT-6)."""
    if product.stock is None:
        return
    taken = rows.changed(session, update(Product)
                         .where(Product.id == product.id, Product.stock >= quantity)
                         .values(stock=Product.stock - quantity)
                         .execution_options(synchronize_session=False))
    if taken != 1:
        raise OutOfStock(f"Sorry, {product.name} is no longer available in that quantity. "
                         "Please change your cart.")
    session.refresh(product, ["stock"])


def record_charge(session: Session, order: Order, out: settlement.Outcome) -> None:
    order = session.merge(order)
    session.add(Payment(order_id=order.id, kind="charge", amount_cents=order.total_cents,
                        idempotency_key=out.key, status="succeeded",
                        gateway_ref=out.result.ref, created_at=clock.now()))
    orders.move_payment(order, PaymentStatus.PAID, why="charged at confirmation")
    order.paid_cents, order.paid_at = order.total_cents, clock.now()
    orders.log_event(order, "charged", f"Charged {order.total_cents} cents ({out.result.ref}).")


def complete(session: Session, checkout: Checkout, user: User, placed: list[Order],
              rules: Rules) -> None:
    checkout = session.merge(checkout)
    checkout.status, checkout.error = CheckoutStatus.COMPLETED, ""
    for order in placed:
        orders.move(session.merge(order), OrderStatus.PLACED, actor="system",
                    why="checkout confirmed")
    cart = carts.get(session, carts.Owner(user_id=user.id))
    if cart is not None:
        carts.empty(session, cart)
    mail.queue(session, user.email, "order_confirmation",
               {"orders": [session.merge(o) for o in placed], "base_url": rules.base_url})
    session.commit()


def undo(session: Session, gateway: Gateway, checkout: Checkout, placed: list[Order],
         outcomes: dict[int, settlement.Outcome]) -> None:
    """A charge failed: fail the orders, return the stock, reopen the checkout, and write
    down what must be given back (money taken is refunded, holds are voided, unknown answers
    are looked up) before asking the provider for any of it."""
    session.rollback()
    for order in placed:
        order = session.merge(order)
        orders.move_payment(order, PaymentStatus.FAILED, why="the checkout's payment failed")
        orders.move(order, OrderStatus.FAILED, actor="system", why="payment declined at checkout")
        coupons.release(session, order)
        for line in order.lines:
            session.execute(update(Product).where(Product.id == line.product_id,
                                                  Product.stock.is_not(None))
                            .values(stock=Product.stock + line.quantity))
        if order.id in outcomes:
            settlement.unwind(session, order, outcomes[order.id])
    checkout = session.merge(checkout)
    checkout.status = CheckoutStatus.OPEN
    checkout.error = "Your payment was declined."
    session.commit()
    settlement.settle_checkout(session, gateway, checkout.id)
