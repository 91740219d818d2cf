"""Internal notes on orders and customers (staff only; never shown to customers), and the
emails sent about an order, with staff resend (audited)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Email, Order, StaffNote, User
from storefront.services import audit
from storefront.services.errors import InvalidInput, NotFound

MAX_NOTE = 2000


def add(session: Session, author: str, body: str, *, order: Order | None = None,
        user: User | None = None) -> StaffNote:
    """A note on an order or a customer (one of them)."""
    body = body.strip()
    if not body:
        raise InvalidInput({"body": "Write the note."})
    if len(body) > MAX_NOTE:
        raise InvalidInput({"body": f"Keep the note under {MAX_NOTE} characters."})
    note = StaffNote(order_id=order.id if order else None, user_id=user.id if user else None,
                     author=author[:254], body=body, created_at=clock.now())
    session.add(note)
    session.commit()
    return note


def of_order(session: Session, order: Order) -> list[StaffNote]:
    return list(session.scalars(select(StaffNote).where(StaffNote.order_id == order.id)
                                .order_by(StaffNote.id)))


def of_user(session: Session, user: User) -> list[StaffNote]:
    return list(session.scalars(select(StaffNote).where(StaffNote.user_id == user.id)
                                .order_by(StaffNote.id)))


def emails_of(session: Session, order: Order) -> list[Email]:
    """Every email about the order, oldest first (the checkout's confirmation included, which
    names the checkout's first order)."""
    siblings = select(Order.id).where(Order.checkout_id == order.checkout_id)
    return list(session.scalars(select(Email).where(
        (Email.order_id == order.id)
        | ((Email.kind == "order_confirmation") & Email.order_id.in_(siblings)))
        .order_by(Email.id)))


def delivery(email: Email) -> str:
    """'delivered', 'retrying' (a try failed; another follows) or 'queued'."""
    if email.sent_at is not None:
        return "delivered"
    return "retrying" if email.attempts else "queued"


def resend(session: Session, order: Order, email_id: int, *, actor: str) -> Email:
    """Queue a fresh copy of one of the order's emails; the audit log records who did it."""
    original = session.get(Email, email_id)
    if original is None or original.id not in {e.id for e in emails_of(session, order)}:
        raise NotFound("No such email on this order.")
    copy = Email(to=original.to, kind=original.kind, subject=original.subject,
                 text=original.text, html=original.html, reply_to=original.reply_to,
                 created_at=clock.now(), order_id=order.id)
    session.add(copy)
    audit.record(session, actor, "email", order.number, "resent",
                 {"email_id": original.id}, {"kind": original.kind, "to": original.to,
                                             "subject": original.subject})
    session.commit()
    return copy
