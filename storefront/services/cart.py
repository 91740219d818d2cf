"""The cart: kept for visitors by a token, for customers by their account (R-ACC-1)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload

from storefront import clock
from storefront.models import Cart, CartLine, Product
from storefront.services import catalog
from storefront.services.errors import NotFound


@dataclass(frozen=True)
class Owner:
    """Whose cart: a signed-in customer's, or a visitor's by the token in their session."""
    user_id: int | None = None
    token: str | None = None
    region: str | None = None


def _load(session: Session, owner: Owner) -> Cart | None:
    # One query: the cart, its lines and their products joined.
    stmt = select(Cart).options(joinedload(Cart.lines).joinedload(CartLine.product))
    if owner.user_id is not None:
        stmt = stmt.where(Cart.user_id == owner.user_id)
    elif owner.token:
        stmt = stmt.where(Cart.token == owner.token, Cart.user_id.is_(None))
    else:
        return None
    return session.scalars(stmt).unique().one_or_none()


def get(session: Session, owner: Owner) -> Cart | None:
    """The owner's cart with its lines and products, or None."""
    return _load(session, owner)


def count(cart: Cart | None) -> int:
    return sum(line.quantity for line in cart.lines) if cart else 0


def subtotal_cents(cart: Cart | None) -> int:
    return sum(line.quantity * line.product.price_cents for line in cart.lines) if cart else 0


def _owned(owner: Owner) -> Any:
    if owner.user_id is not None:
        return Cart.user_id == owner.user_id
    return (Cart.token == owner.token) & Cart.user_id.is_(None)


def _locked(session: Session, owner: Owner) -> Cart | None:
    """The owner's cart, its row locked until this transaction ends: two quick taps on
    "Add to Cart" change it one after the other (each sees the other's line)."""
    if owner.user_id is None and not owner.token:
        return None
    found = session.scalar(select(Cart.id).where(_owned(owner)).with_for_update())
    if found is None:
        return None
    return session.scalars(
        select(Cart).where(Cart.id == found)
        .options(joinedload(Cart.lines).joinedload(CartLine.product))
        .execution_options(populate_existing=True)).unique().one()


def _get_or_create(session: Session, owner: Owner) -> Cart:
    """The owner's cart, locked; a customer's is created by an upsert, so two first adds at
    once make one cart (never a unique-key error)."""
    if owner.user_id is not None or owner.token:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Cart).values(
            token=owner.token if owner.user_id is None and owner.token
            else secrets.token_urlsafe(24), user_id=owner.user_id, updated_at=clock.now()
        ).on_conflict_do_nothing())
        cart = _locked(session, owner)
        if cart is not None:
            return cart
    cart = Cart(token=secrets.token_urlsafe(24), user_id=owner.user_id,
                updated_at=clock.now(), lines=[])
    session.add(cart)
    return cart


def add(session: Session, owner: Owner, slug: str, quantity: int) -> Cart:
    """Put units of a product in the cart, within region, window, limit and stock."""
    product = catalog.get_product(session, slug)
    cart = _get_or_create(session, owner)
    line = next((li for li in cart.lines if li.product_id == product.id), None)
    total = quantity + (line.quantity if line else 0)
    if quantity < 1:
        catalog.check_purchasable(product, owner.region, quantity)
    catalog.check_purchasable(product, owner.region, total)
    if line is None:
        cart.lines.append(CartLine(product=product, quantity=quantity))
    else:
        line.quantity = total
    cart.updated_at = clock.now()
    session.commit()
    return cart


def set_quantity(session: Session, owner: Owner, product_id: int, quantity: int) -> Cart:
    """Change a line's quantity; zero removes it."""
    cart = _locked(session, owner)
    line = next((li for li in cart.lines if li.product_id == product_id), None) if cart else None
    if cart is None or line is None:
        raise NotFound("That item is not in your cart.")
    if quantity <= 0:
        cart.lines.remove(line)
    else:
        catalog.check_purchasable(line.product, owner.region, quantity)
        line.quantity = quantity
    cart.updated_at = clock.now()
    session.commit()
    return cart


def remove(session: Session, owner: Owner, product_id: int) -> Cart:
    """Take a product out of the cart."""
    return set_quantity(session, owner, product_id, 0)


def adopt(session: Session, token: str | None, user_id: int) -> None:
    """At login, the visitor's cart joins the customer's own, so nothing is lost (R-ACC-1)."""
    visitor = _load(session, Owner(token=token)) if token else None
    if visitor is None or not visitor.lines:
        return
    mine = _load(session, Owner(user_id=user_id))
    if mine is None:
        visitor.user_id = user_id
    else:
        for line in list(visitor.lines):
            _merge_line(mine, line.product, line.quantity)
        session.delete(visitor)
    session.commit()


def _merge_line(cart: Cart, product: Product, quantity: int) -> None:
    line = next((li for li in cart.lines if li.product_id == product.id), None)
    limit = catalog.per_order_limit(product)
    if line is None:
        cart.lines.append(CartLine(product=product, quantity=quantity))
        line = cart.lines[-1]
    else:
        line.quantity += quantity
    if limit is not None:
        line.quantity = min(line.quantity, limit)
    cart.updated_at = clock.now()


def empty(session: Session, cart: Cart) -> None:
    """Clear the cart (inside the caller's transaction)."""
    cart.lines.clear()
    cart.updated_at = clock.now()
