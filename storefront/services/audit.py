"""The audit log: every staff change to a product, price, release date, coupon, account or
order, with who, when, what and the values before and after.

Changes are caught where they are flushed, so no staff action can forget to log itself: the
web layer (and `flask staff`) names the acting staff member on the session with `acting_as`,
and every flush of that session writes an entry per changed product, coupon, account or
order in the same transaction. Actions that change nothing in those tables (an email resent)
call `record` themselves."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, scoped_session

from storefront import clock
from storefront.models import AuditEntry, Coupon, Order, Product, User
from storefront.services import likes

ACTOR_KEY = "audit_actor"
AUDITED: dict[type, tuple[str, str]] = {
    Product: ("product", "slug"), Coupon: ("coupon", "code"), User: ("account", "email"),
    Order: ("order", "number"),
}
SECRET = {"password_hash"}
# Columns the store derives from others (the search text from the name and facts): not a
# staff change of their own, so not written to the audit log.
DERIVED = {"search_text", "gallery"}
PAGE_SIZE = 100


def acting_as(session: Session, actor: str | None) -> None:
    """Name who makes the changes this session flushes from now on (None: nobody). The
    audit hook is put on this one session (never on the Session class): only sessions a
    staff member acts through are audited."""
    if actor:
        target: Session = session() if isinstance(session, scoped_session) else session
        if not event.contains(target, "before_flush", _audit_flush):
            event.listen(target, "before_flush", _audit_flush)
        target.info[ACTOR_KEY] = actor
    else:
        session.info.pop(ACTOR_KEY, None)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | dict | list):
        return value
    return str(value)


def record(session: Session, actor: str, entity: str, key: str, action: str,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Write one entry (in the caller's transaction)."""
    session.add(AuditEntry(at=clock.now(), actor=actor[:254], entity=entity, entity_key=key[:254],
                           action=action[:40],
                           before={k: _plain(v) for k, v in (before or {}).items()},
                           after={k: _plain(v) for k, v in (after or {}).items()}))


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    state = inspect(obj)
    for column in state.mapper.column_attrs:
        history = state.attrs[column.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if _plain(old) == _plain(new) and history.deleted:
            continue
        if column.key in DERIVED:
            continue
        hidden = column.key in SECRET
        before[column.key] = "(hidden)" if hidden else old
        after[column.key] = "(changed)" if hidden else new
    return before, after


def _audit_flush(session: Session, _context: Any, _instances: Any) -> None:
    actor = session.info.get(ACTOR_KEY)
    if not actor:
        return
    for obj in list(session.new) + list(session.dirty):
        kind = AUDITED.get(type(obj))
        if kind is None:
            continue
        entity, key_attr = kind
        before, after = _changes(obj)
        if not after and not before:
            continue
        created = obj in session.new
        action = "created" if created else _action(entity, after)
        record(session, actor, entity, str(getattr(obj, key_attr, "") or ""), action,
               {} if created else before, after)


def _action(entity: str, after: dict[str, Any]) -> str:
    """A short name for what changed, for the audit page's filter."""
    names = {"price_cents": "price", "release_date": "release_date", "status": "status",
             "is_restricted": "restriction", "active": "active", "stock": "stock",
             "staff_role": "role", "shipping_date": "shipping_date"}
    for column, name in names.items():
        if column in after:
            return name
    return "changed"


def entries(session: Session, *, entity: str = "", actor: str = "", key: str = "",
            action: str = "", since: datetime | None = None, until: datetime | None = None,
            before_id: int | None = None, limit: int = PAGE_SIZE) -> list[AuditEntry]:
    """Newest first, filtered; the next page starts below the last id (keyset)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if actor:
        stmt = stmt.where(AuditEntry.actor.ilike(likes.containing(actor), escape=likes.ESCAPE))
    if key:
        stmt = stmt.where(AuditEntry.entity_key.ilike(likes.containing(key), escape=likes.ESCAPE))
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(session.scalars(stmt))
