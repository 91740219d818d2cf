"""Order search for staff: number, email or customer name, product, status, payment status and
dates; pages by keyset (no cap on how far one can page), and a CSV of the whole search
streamed in batches so 100,000 rows use little memory."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, literal_column, or_, select
from sqlalchemy.orm import Session

from storefront.models import Order, OrderLine, Product
from storefront.services import likes, money, orders
from storefront.services.states import PaymentStatus

PAGE_SIZE = 50
PAYMENT_STATUSES = tuple(PaymentStatus)
CSV_COLUMNS = ("number", "placed_at", "email", "status", "payment_status", "total")
CSV_BATCH = 1000
FULL_NUMBER = re.compile(r"SF-[0-9A-Z]{4}-[0-9A-Z]{4}", re.IGNORECASE)
SEARCH_SQL = ("lower(orders.number || ' ' || orders.email || ' ' || "
              "coalesce(orders.shipping_address ->> 'full_name', ''))")


@dataclass(frozen=True)
class Search:
    """What staff typed, the days it spans (`until` inclusive) and what they chose."""
    q: str = ""
    since: date | None = None
    until: date | None = None
    product: str = ""
    status: str = ""
    payment: str = ""

    @classmethod
    def from_args(cls, args: Any) -> Search:
        """From request arguments; anything unreadable is left out rather than refused."""
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(str(args.get(name, "")).strip()[:10])
            except ValueError:
                return None
        status = str(args.get("status", ""))
        payment = str(args.get("payment", "") or args.get("payment_status", ""))
        return cls(q=" ".join(str(args.get("q", "")).split())[:100],
                   product=str(args.get("product", "")).strip()[:120],
                   status=status if status in orders.STATUS_MOVES else "",
                   payment=payment if payment in PAYMENT_STATUSES else "",
                   since=day("from"), until=day("to"))

    def args(self) -> dict[str, str]:
        """The search as URL arguments (for the next page and the CSV link)."""
        values = {"q": self.q, "product": self.product, "status": self.status,
                  "payment": self.payment,
                  "from": self.since.isoformat() if self.since else "",
                  "to": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in values.items() if v}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def filtered(search: Search, stmt: Any, dialect: str = "") -> Any:
    """The search's conditions on a select of orders."""
    stmt = stmt.where(Order.status == search.status) if search.status else \
        stmt.where(Order.status.in_(orders.VISIBLE))
    if search.payment:
        stmt = stmt.where(Order.payment_status == search.payment)
    if search.q and FULL_NUMBER.fullmatch(search.q):
        # A whole order number can only be that order: the unique index answers at once.
        stmt = stmt.where(Order.number == search.q.upper())
    elif search.q:
        like = likes.containing(search.q)
        if dialect == "postgresql":  # the trigram index's expression (migration 0008)
            # The pattern is written into the statement (safely quoted), so PostgreSQL plans
            # each search for its own pattern: a prepared statement's generic plan would walk
            # the newest-first index through every order for a rare one.
            pattern: Any = bindparam("search_like", like.lower(), literal_execute=True)
            stmt = stmt.where(literal_column(SEARCH_SQL).like(pattern, escape=likes.ESCAPE))
        else:
            stmt = stmt.where(or_(
                Order.number.ilike(like, escape=likes.ESCAPE),
                Order.email.ilike(like, escape=likes.ESCAPE),
                Order.shipping_address["full_name"].as_string().ilike(like, escape=likes.ESCAPE)))
    if search.product:
        stmt = stmt.where(Order.id.in_(
            select(OrderLine.order_id).join(Product, Product.id == OrderLine.product_id)
            .where(Product.slug == search.product)))
    if search.since:
        stmt = stmt.where(Order.created_at >= _midnight(search.since))
    if search.until:
        stmt = stmt.where(Order.created_at < _midnight(search.until + timedelta(days=1)))
    return stmt


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def cursor_of(order: Order) -> str:
    """Where the next page starts: just after this order (newest first)."""
    placed = order.created_at.replace(tzinfo=order.created_at.tzinfo or UTC)
    return f"{placed.astimezone(UTC).isoformat()}~{order.id}"


def _after(stmt: Select[Any], cursor: str) -> Select[Any]:
    try:
        placed_text, id_text = cursor.split("~", 1)
        placed, order_id = datetime.fromisoformat(placed_text), int(id_text)
    except ValueError:
        return stmt
    if placed.tzinfo is None:
        placed = placed.replace(tzinfo=UTC)
    return stmt.where(or_(Order.created_at < placed,
                          and_(Order.created_at == placed, Order.id < order_id)))


def search_page(session: Session, search: Search, after: str = "",
                size: int | None = None) -> tuple[list[Order], str]:
    """One page of matching orders, newest first, and the cursor of the next ('' at the end).
    One query, whatever the page."""
    size = size or PAGE_SIZE
    stmt = filtered(search, select(Order), _dialect(session)) \
        .order_by(Order.created_at.desc(), Order.id.desc())
    if after:
        stmt = _after(stmt, after)
    found = list(session.scalars(stmt.limit(size + 1)))
    more = len(found) > size
    found = found[:size]
    return found, cursor_of(found[-1]) if more and found else ""


def csv_rows(session: Session, search: Search) -> Iterator[list[Any]]:
    """Header, then every matching order, read in batches (a server-side cursor on
    PostgreSQL), so memory stays flat however many orders match."""
    yield list(CSV_COLUMNS)
    columns = select(Order.number, Order.created_at, Order.email, Order.status,
                     Order.payment_status, Order.total_cents)
    stmt: Select[Any] = filtered(search, columns, _dialect(session)) \
        .order_by(Order.created_at.desc(), Order.id.desc())
    result = session.execute(stmt.execution_options(yield_per=CSV_BATCH))
    for number, placed, email, status, payment, total in result:
        placed = placed.replace(tzinfo=placed.tzinfo or UTC)
        yield [number, placed.astimezone(UTC).isoformat(timespec="seconds"), email, status,
               payment, money.plain(total)]
    session.commit()
