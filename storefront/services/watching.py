"""Watch lists (issue 15): customers follow products and are emailed, once per event, when
an in-stock product comes back, when a preorder window opens, and 48 hours before it closes.

A change records a `WatchEvent` in its own transaction (a unique key per occurrence); a due
job fans each event out to its watchers in batches through the outbox, so a product with
10,000 watchers never holds up the request that restocked it. Each (event, watcher) pair is
a unique `WatchNotice` row, written with its email: a second email for the same event is
refused by the database. Nobody hears about a product not sold in their region."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Order, OrderLine, Product, User, Watch, WatchEvent, WatchNotice
from storefront.services import catalog, mail, outbox
from storefront.services.states import OrderStatus

BATCH = 500
CLOSING_NOTICE = timedelta(hours=48)
KINDS = ("back_in_stock", "preorder_open", "preorders_closing")


def is_watching(session: Session, user_id: int, product_id: int) -> bool:
    return session.scalar(select(Watch.id).where(Watch.user_id == user_id,
                                                 Watch.product_id == product_id)) is not None


def toggle(session: Session, user: User, product: Product) -> bool:
    """Watch the product, or stop watching it; True when now watching."""
    found = session.scalars(select(Watch).where(Watch.user_id == user.id,
                                                Watch.product_id == product.id)).first()
    if found is not None:
        session.delete(found)
        session.commit()
        return False
    session.add(Watch(user_id=user.id, product_id=product.id,
                      token=secrets.token_urlsafe(24), created_at=clock.now()))
    try:
        session.commit()
    except IntegrityError:  # a double tap: the first one made it
        session.rollback()
    return True


def watched(session: Session, user_id: int) -> list[Product]:
    """The customer's watched products, most recently watched first."""
    return list(session.scalars(select(Product).join(Watch, Watch.product_id == Product.id)
                                .where(Watch.user_id == user_id)
                                .order_by(Watch.id.desc())))


def unsubscribe(session: Session, token: str) -> Product | None:
    """The one-click unsubscribe: forget the watch this token names (None if gone)."""
    found = session.scalars(select(Watch).where(Watch.token == token[:64])).first()
    if found is None:
        return None
    product = found.product
    session.delete(found)
    session.commit()
    return product


def watcher_counts(session: Session) -> dict[int, int]:
    """Product id -> how many customers watch it (the staff's product list)."""
    rows = session.execute(select(Watch.product_id, func.count()).group_by(Watch.product_id))
    return {product_id: count for product_id, count in rows}


@dataclass(frozen=True)
class Upcoming:
    name: str
    slug: str
    release_date: object
    shipping_date: object
    order_number: str


def upcoming_releases(session: Session, user_id: int) -> list[Upcoming]:
    """Releases still to come across the customer's open orders, with today's dates."""
    rows = session.execute(
        select(Product.name, Product.slug, Product.release_date, Order.shipping_date,
               Order.number)
        .join(OrderLine, OrderLine.product_id == Product.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.user_id == user_id, Order.kind == "preorder",
               Order.status == OrderStatus.PLACED,
               Product.release_date >= clock.today())
        .order_by(Product.release_date, Order.number))
    return [Upcoming(*row) for row in rows]


# --- events ---------------------------------------------------------------------------

def record(session: Session, product: Product, kind: str, key: str,
           due_at: datetime | None = None) -> None:
    """Note an event for the fan-out job, once per key; the caller commits. A `sold_out`
    event is only a marker (see note_stock_returns): nobody is emailed about it."""
    exists = session.scalar(select(WatchEvent.id).where(
        WatchEvent.product_id == product.id, WatchEvent.kind == kind, WatchEvent.key == key))
    if exists is None:
        now = clock.now()
        session.add(WatchEvent(product_id=product.id, kind=kind, key=key[:60],
                               due_at=due_at or now, created_at=now,
                               done_at=now if kind == "sold_out" else None))
        if kind != "sold_out":
            outbox.after_commit(session, outbox.TELL_WATCHERS)


def note_stock_returns(session: Session) -> int:
    """Stock comes back not only from staff: a cancelled or failed order returns its units.
    Each run marks watched in-stock products it sees sold out, and announces "back in
    stock" for those it sees with stock again since their mark."""
    last = (select(WatchEvent.product_id, func.max(WatchEvent.id).label("id"))
            .where(WatchEvent.kind.in_(("sold_out", "back_in_stock")))
            .group_by(WatchEvent.product_id).subquery())
    rows = session.execute(
        select(Product, WatchEvent.kind)
        .outerjoin(last, last.c.product_id == Product.id)
        .outerjoin(WatchEvent, WatchEvent.id == last.c.id)
        .where(Product.kind == "instock",
               Product.id.in_(select(Watch.product_id).distinct()))).all()
    now, found = clock.now(), 0
    for product, last_kind in rows:
        if (product.stock or 0) <= 0 and last_kind != "sold_out":
            record(session, product, "sold_out", f"seen {now.isoformat()}")
        elif (product.stock or 0) > 0 and last_kind == "sold_out":
            record(session, product, "back_in_stock", f"returned {now.isoformat()}")
            found += 1
    session.commit()
    return found


def note_change(session: Session, product: Product, was: dict[str, object]) -> None:
    """What a staff edit means to watchers: `was` is the product before (stock, kind,
    window open); called before the commit of the edit."""
    now = clock.now()
    stock_before = was.get("stock")  # staff restocks are told at once, not at the next run
    sold_out_before = not isinstance(stock_before, int) or stock_before <= 0
    if product.kind == "instock" and (product.stock or 0) > 0 \
            and was.get("kind") == "instock" and sold_out_before:
        record(session, product, "back_in_stock", f"restock {now.isoformat()}")
    opened = product.kind == "preorder" and catalog.preorder_open(product, now)
    if opened and not was.get("preorder_open"):
        record(session, product, "preorder_open", f"open {now.isoformat()}")


def before_change(product: Product | None) -> dict[str, object]:
    """The facts `note_change` compares with."""
    if product is None:
        return {}
    return {"kind": product.kind, "stock": product.stock,
            "preorder_open": product.is_preorder and catalog.preorder_open(product)}


def note_closing_windows(session: Session) -> int:
    """Record "closing in 48 hours" for every open window that ends within 48 hours."""
    now = clock.now()
    closing = session.scalars(select(Product).where(
        Product.kind == "preorder", Product.preorder_ends_at > now,
        Product.preorder_ends_at <= now + CLOSING_NOTICE))
    found = 0
    for product in closing:
        ends = clock.aware(product.preorder_ends_at)
        assert ends is not None
        record(session, product, "preorders_closing", f"closes {ends.isoformat()}")
        found += 1
    session.commit()
    return found


def fan_out_due(session: Session, base_url: str, batch: int = BATCH,
                max_batches: int = 100) -> dict[str, int]:
    """Email the watchers of due events, a batch per transaction, each watcher once."""
    queued = batches = 0
    while batches < max_batches:
        event = session.scalars(
            select(WatchEvent).where(WatchEvent.done_at.is_(None),
                                     WatchEvent.due_at <= clock.now())
            .order_by(WatchEvent.id).limit(1).with_for_update(skip_locked=True)).first()
        if event is None:
            session.rollback()
            break
        queued += _one_batch(session, event, base_url, batch)
        session.commit()
        batches += 1
    return {"watch_emails": queued, "batches": batches}


def _one_batch(session: Session, event: WatchEvent, base_url: str, batch: int) -> int:
    """The next `batch` watchers of the event: notice and email for each who may buy it."""
    product = event.product
    rows = session.execute(
        select(Watch, User).join(User, User.id == Watch.user_id)
        .where(Watch.product_id == event.product_id, Watch.id > event.reached_watch_id,
               User.deleted_at.is_(None))
        .order_by(Watch.id).limit(batch)).all()
    told = set(session.scalars(select(WatchNotice.user_id).where(
        WatchNotice.event_id == event.id,
        WatchNotice.user_id.in_([user.id for _, user in rows]))))
    queued = 0
    still = _still_true(event, product)
    for watch, user in rows:
        if still and user.id not in told and product.sold_in(user.region):
            session.add(WatchNotice(event_id=event.id, user_id=user.id,
                                    created_at=clock.now()))
            unsubscribe_url = f"{base_url}/watch/unsubscribe/{watch.token}"
            email = mail.queue(session, user.email, event.kind, {
                "product": product, "url": f"{base_url}/products/{product.slug}",
                "unsubscribe_url": unsubscribe_url, "base_url": base_url})
            email.list_unsubscribe = unsubscribe_url
            queued += 1
    if rows:
        event.reached_watch_id = rows[-1][0].id
    if len(rows) < batch:
        event.done_at = clock.now()
    return queued


def _still_true(event: WatchEvent, product: Product) -> bool:
    """An event that stopped being true before its turn (sold out again, window moved)
    is dropped rather than announced."""
    if event.kind == "back_in_stock":
        return (product.stock or 0) > 0
    if event.kind == "preorder_open":
        return product.is_preorder and catalog.preorder_open(product)
    ends = clock.aware(product.preorder_ends_at)
    return product.is_preorder and ends is not None \
        and event.key == f"closes {ends.isoformat()}" and clock.now() < ends
