"""The checkout's steps (R-CHK-*): shipping, payment, billing and confirm, the split of a cart
into orders and what each costs; Confirm Order itself is services/placing.py."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from storefront import clock
from storefront.models import Cart, Checkout, PaymentMethod, User
from storefront.payments import Gateway
from storefront.services import addresses, catalog, coupons, payment_methods
from storefront.services import cart as carts
from storefront.services.accounts import countries
from storefront.services.coupons import Discount
from storefront.services.errors import (
    AccountRestricted,
    CartEmpty,
    InvalidInput,
    NotAllowed,
    NotFound,
    RegionRestricted,
)
from storefront.services.states import CheckoutStatus


@dataclass(frozen=True)
class Rules:
    """The configurable parts of checkout (R-CHK-4, R-PAY-2)."""
    shipping_fees: dict[str, int] = field(default_factory=lambda: {"*": 1800})
    charge_at_order_threshold: int = 100000
    base_url: str = ""

    def fee(self, country: str) -> int:
        return int(self.shipping_fees.get(country, self.shipping_fees.get("*", 1800)))


@dataclass
class PlanLine:
    product_id: int
    slug: str
    name: str
    unit_cents: int
    quantity: int
    release_date: Any = None

    @property
    def total_cents(self) -> int:
        return self.unit_cents * self.quantity


@dataclass
class OrderPlan:
    """One order the cart will become (R-CHK-3)."""
    kind: str
    lines: list[PlanLine]
    shipping_cents: int
    charge_now: bool = False
    discount_cents: int = 0
    coupon_code: str = ""

    @property
    def items_cents(self) -> int:
        return sum(li.total_cents for li in self.lines)

    @property
    def total_cents(self) -> int:
        return self.items_cents + self.shipping_cents - self.discount_cents


def plan(cart: Cart, country: str, rules: Rules, discount: Discount | None = None
         ) -> list[OrderPlan]:
    """Each preorder product its own order, all in-stock items one order, each with a fee;
    a coupon's discount on the one order it applies to (R-CHK-3, R-CHK-4, R-CHK-7)."""
    fee = rules.fee(country)
    instock = [li for li in cart.lines if not li.product.is_preorder]
    plans = [OrderPlan("instock", [_plan_line(li) for li in instock], fee)] if instock else []
    plans += [OrderPlan("preorder", [_plan_line(li)], fee)
              for li in cart.lines if li.product.is_preorder]
    if discount is not None:
        plans[discount.position].discount_cents = discount.cents
        plans[discount.position].coupon_code = discount.coupon.code
    for p in plans:
        p.charge_now = p.kind == "instock" or p.total_cents > rules.charge_at_order_threshold
    return plans


def _plan_line(line: Any) -> PlanLine:
    p = line.product
    return PlanLine(p.id, p.slug, p.name, p.price_cents, line.quantity, p.release_date)


def fingerprint(cart: Cart, coupon_code: str = "") -> str:
    """What the customer saw on the confirm page; confirming a changed cart is refused."""
    raw = ";".join(f"{li.product_id}x{li.quantity}@{li.product.price_cents}"
                   for li in sorted(cart.lines, key=lambda li: li.product_id)) + coupon_code
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def check_cart(cart: Cart | None, user: User) -> Cart:
    """A cart the customer may check out: not empty, every line buyable in the region."""
    if cart is None or not cart.lines:
        raise CartEmpty("Your cart is empty.")
    if user.is_restricted:
        raise AccountRestricted("This account can no longer place orders"
                                + (f" ({user.restricted_reason})" if user.restricted_reason
                                   else "")
                                + ". Please contact support.")
    for line in cart.lines:
        catalog.check_purchasable(line.product, user.region, line.quantity)
    return cart


def start(session: Session, user: User, cart: Cart | None) -> Checkout:
    """The customer's open checkout, or a new one (R-ACC-1: only for accounts)."""
    check_cart(cart, user)
    current = open_checkout(session, user)
    if current is None:
        current = Checkout(token=secrets.token_urlsafe(24), user_id=user.id,
                           created_at=clock.now())
        session.add(current)
        session.commit()
    return current


def open_checkout(session: Session, user: User) -> Checkout | None:
    return session.scalars(
        select(Checkout).where(Checkout.user_id == user.id, Checkout.status == CheckoutStatus.OPEN)
        .options(joinedload(Checkout.payment_method))
        .order_by(Checkout.id.desc()).limit(1)).first()


def by_token(session: Session, user: User, token: str) -> Checkout:
    found = session.scalars(
        select(Checkout).where(Checkout.token == token, Checkout.user_id == user.id)
        .options(selectinload(Checkout.orders))).one_or_none()
    if found is None:
        raise NotFound("No such checkout.")
    return found


def next_step(checkout: Checkout) -> str:
    """The first step still to do: shipping, payment, billing or confirm."""
    if not checkout.shipping_address:
        return "shipping"
    if checkout.payment_method_id is None:
        return "payment"
    if checkout.billing_same is None:
        return "billing"
    return "confirm"


def use_saved_address(session: Session, checkout: Checkout, user: User, address_id: int) -> None:
    """Ship to an address from the book (it must be in the region, R-ACC-5)."""
    address = addresses.get_own(session, user, address_id)
    if address.country != user.region:
        raise RegionRestricted("Addresses must be in your account region.")
    checkout.shipping_address = address.snapshot()
    session.commit()


def use_new_address(session: Session, checkout: Checkout, user: User,
                    data: dict[str, str]) -> None:
    """Ship to a new address, saved to the book as well."""
    address = addresses.save_new(session, user, data)
    checkout.shipping_address = address.snapshot()
    session.commit()


def use_card(session: Session, checkout: Checkout, user: User, gateway: Gateway,
             form: dict[str, str], verify: bool = False, save: bool = False) -> PaymentMethod:
    """Check the card, have the gateway tokenise it, keep only token, brand, last 4, expiry;
    with the customer's consent (save) a copy is kept for next time (issue 15)."""
    method = payment_methods.new_card(session, user, gateway, form, verify=verify)
    checkout = session.merge(checkout)
    checkout.payment_method = method
    if save:
        payment_methods.keep(session, method)
    session.commit()
    return method


def use_approved(session: Session, checkout: Checkout, user: User, gateway: Gateway,
                 method: str, token: str) -> PaymentMethod:
    """The method the customer approved on the provider's page (PayPal, hosted cards)."""
    chosen = payment_methods.approved_method(session, user.id, gateway, method, token,
                                             reference=checkout.token)
    checkout = session.merge(checkout)
    checkout.payment_method = chosen
    session.commit()
    return chosen


def use_billing(session: Session, checkout: Checkout, user: User, same: bool,
                data: dict[str, str] | None) -> None:
    """Bill the shipping address, or another address in any country."""
    if same:
        checkout.billing_same, checkout.billing_address = True, None
    else:
        region = (data or {}).get("country") or user.region or ""
        if region not in dict(countries()):
            raise InvalidInput({"country": "Choose a country."})
        checkout.billing_same = False
        checkout.billing_address = addresses.clean(data or {}, region)
    session.commit()


def discount_for(session: Session, checkout: Checkout, user: User, cart: Cart, rules: Rules
                 ) -> Discount | None:
    """The checkout's coupon as a discount now, or NotAllowed saying why it no longer works."""
    if not checkout.coupon_code:
        return None
    totals = [p.items_cents for p in plan(cart, user.region or "", rules)]
    return coupons.check(session, coupons.find(session, checkout.coupon_code), user, totals)


def preview(session: Session, checkout: Checkout, user: User, cart: Cart, rules: Rules
            ) -> tuple[list[OrderPlan], str]:
    """The orders to confirm, and why the coupon no longer applies (if it does not)."""
    try:
        discount = discount_for(session, checkout, user, cart, rules)
    except NotAllowed as exc:
        return plan(cart, user.region or "", rules), exc.message
    return plan(cart, user.region or "", rules, discount), ""


def use_coupon(session: Session, checkout: Checkout, user: User, code: str, rules: Rules
               ) -> None:
    """Apply a coupon code to the checkout, or remove it with an empty code."""
    cart = check_cart(load_cart(session, user), user)
    code = coupons.normal_code(code)
    if code:
        totals = [p.items_cents for p in plan(cart, user.region or "", rules)]
        coupons.check(session, coupons.find(session, code), user, totals)
    checkout.coupon_code = code
    session.commit()


def load_cart(session: Session, user: User) -> Cart | None:
    return carts.get(session, carts.Owner(user_id=user.id, region=user.region))
