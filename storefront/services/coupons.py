"""Coupons (R-CHK-7): a code takes a discount off the items of ONE order of the checkout.

Which order: the one with the largest items total that meets the minimum spend (the best
for the customer); ties go to the first. Percentages round half up to the cent."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Coupon, CouponUse, Order, User
from storefront.services.errors import CouponRefused, InvalidInput
from storefront.services.money import parse_usd, usd

CODE_RE = re.compile(r"^[A-Z0-9_-]{3,40}$")


@dataclass(frozen=True)
class Discount:
    coupon: Coupon
    position: int  # which of the planned orders
    cents: int


def normal_code(code: str) -> str:
    return "".join(code.split()).upper()[:40]


def find(session: Session, code: str) -> Coupon | None:
    return session.scalars(select(Coupon).where(Coupon.code == normal_code(code))).one_or_none()


def amount_off(coupon: Coupon, items_cents: int) -> int:
    """The discount on an order's items, never more than the items."""
    if coupon.kind == "percent":
        return min(items_cents, (items_cents * coupon.value + 50) // 100)
    return min(items_cents, coupon.value)


def check(session: Session, coupon: Coupon | None, user: User, item_totals: list[int]
          ) -> Discount:
    """The discount this customer gets on these orders, or CouponRefused saying why not."""
    if coupon is None or not coupon.active:
        raise CouponRefused("This coupon code is not valid.", field="coupon_code",
                            code="coupon_unknown")
    now = clock.now()
    starts, ends = clock.aware(coupon.starts_at), clock.aware(coupon.ends_at)
    if starts and now < starts:
        raise CouponRefused(f"Coupon {coupon.code} is not valid yet.", field="coupon_code",
                            code="coupon_not_yet")
    if ends and now >= ends:
        raise CouponRefused(f"Coupon {coupon.code} has expired.", field="coupon_code",
                            code="coupon_expired")
    if coupon.once_per_customer and session.scalar(
            select(CouponUse.id).where(CouponUse.coupon_id == coupon.id,
                                       CouponUse.user_id == user.id)):
        raise CouponRefused(f"You have already used coupon {coupon.code}.", field="coupon_code",
                            code="coupon_used")
    eligible = [(total, -i) for i, total in enumerate(item_totals)
                if total >= coupon.min_items_cents]
    if not eligible:
        raise CouponRefused(f"Coupon {coupon.code} needs items worth at least "
                            f"{usd(coupon.min_items_cents)} in one order.", field="coupon_code",
                            code="coupon_minimum")
    total, position = max(eligible)
    return Discount(coupon, -position, amount_off(coupon, total))


def spend(session: Session, discount: Discount, user: User, order: Order) -> None:
    """Record the use with the order (in the caller's transaction)."""
    coupon = discount.coupon
    session.add(CouponUse(coupon_id=coupon.id, user_id=user.id, order=order,
                          once_key=f"{coupon.id}:{user.id}" if coupon.once_per_customer
                          else None, discount_cents=discount.cents, created_at=clock.now()))


def release(session: Session, order: Order) -> None:
    """An order that never came to be (declined at checkout) gives its coupon back."""
    for use in session.scalars(select(CouponUse).where(CouponUse.order_id == order.id)):
        session.delete(use)


def create(session: Session, *, code: str, kind: str, value: str, min_spend: str = "",
           starts_at: datetime | None = None, ends_at: datetime | None = None,
           once_per_customer: bool = True) -> Coupon:
    """A new coupon from staff input, every field checked."""
    errors: dict[str, str] = {}
    code = normal_code(code)
    if not CODE_RE.match(code):
        errors["code"] = "Use 3 to 40 letters, digits, - or _."
    elif find(session, code):
        errors["code"] = "This code exists already."
    amount = 0
    try:
        amount = int(value) if kind == "percent" else parse_usd(value)
        if kind not in ("percent", "amount") or amount <= 0 or (kind == "percent"
                                                                 and amount > 100):
            raise ValueError(value)
    except ValueError:
        errors["value"] = "Enter a percent from 1 to 100, or an amount in USD like 5.00."
    try:
        minimum = parse_usd(min_spend) if min_spend.strip() else 0
    except ValueError:
        errors["min_spend"], minimum = "Enter an amount in USD like 20.00.", 0
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = "The end must come after the start."
    if errors:
        raise InvalidInput(errors)
    coupon = Coupon(code=code, kind=kind, value=amount, min_items_cents=minimum,
                    starts_at=starts_at, ends_at=ends_at, once_per_customer=once_per_customer,
                    created_at=clock.now())
    session.add(coupon)
    session.commit()
    return coupon


def set_active(session: Session, code: str, active: bool) -> Coupon:
    """Disable (or enable again) a coupon by code."""
    coupon = find(session, code)
    if coupon is None:
        raise CouponRefused(f"No coupon {normal_code(code)}.", code="coupon_unknown")
    coupon.active = active
    session.commit()
    return coupon


def all_coupons(session: Session) -> list[Coupon]:
    return list(session.scalars(select(Coupon).order_by(Coupon.created_at.desc())))
