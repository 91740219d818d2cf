"""The warehouse's shipping list: the open orders of a product whose shipping date is
confirmed, by date, with name, address, phone, items and quantities."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storefront.models import Order, OrderLine, Product
from storefront.services.states import FulfilmentStatus, OrderStatus

CSV_COLUMNS = ("shipping_date", "order", "name", "line1", "line2", "city", "state",
               "postal_code", "country", "phone", "product", "quantity", "items")


@dataclass
class Parcel:
    order: Order
    quantity: int  # of this product

    @property
    def address(self) -> dict[str, str]:
        return self.order.shipping_address or {}

    @property
    def items(self) -> str:
        """Everything in the parcel, e.g. '2 x Aurora Knight Figure; 1 x Artbook'."""
        return "; ".join(f"{line.quantity} x {line.product_name}" for line in self.order.lines)


def _open(product: Product) -> Any:
    return (select(Order).join(OrderLine, OrderLine.order_id == Order.id)
            .where(OrderLine.product_id == product.id, Order.status == OrderStatus.PLACED,
                   Order.fulfilment_status == FulfilmentStatus.DATE_CONFIRMED,
                   Order.shipping_date.is_not(None)))


def dates(session: Session, product: Product) -> list[tuple[date, int]]:
    """The confirmed shipping dates of the product's open orders, with their order counts."""
    rows = session.execute(
        select(Order.shipping_date, func.count()).join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.product_id == product.id, Order.status == OrderStatus.PLACED,
               Order.fulfilment_status == FulfilmentStatus.DATE_CONFIRMED,
               Order.shipping_date.is_not(None))
        .group_by(Order.shipping_date).order_by(Order.shipping_date))
    return [(day, count) for day, count in rows if day is not None]


def parcels(session: Session, product: Product, day: date | None = None) -> list[Parcel]:
    """Each open order of the product with a confirmed date (that day, or every day), by date
    then by when it was placed; two queries."""
    stmt = _open(product).add_columns(OrderLine.quantity) \
        .options(selectinload(Order.lines)) \
        .order_by(Order.shipping_date, Order.created_at, Order.id)
    if day is not None:
        stmt = stmt.where(Order.shipping_date == day)
    return [Parcel(order, quantity) for order, quantity in session.execute(stmt)]


def csv_rows(product: Product, found: list[Parcel]) -> Iterator[list[Any]]:
    yield list(CSV_COLUMNS)
    for parcel in found:
        a = parcel.address
        yield [parcel.order.shipping_date.isoformat() if parcel.order.shipping_date else "",
               parcel.order.number, a.get("full_name", ""), a.get("line1", ""),
               a.get("line2", ""), a.get("city", ""), a.get("state", ""),
               a.get("postal_code", ""), a.get("country", ""), a.get("phone", ""),
               product.slug, parcel.quantity, parcel.items]
