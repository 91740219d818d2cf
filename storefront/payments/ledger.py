"""The test provider's ledger as QA reads it (GET /_qa/payments), and the money it keeps."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.models import PaymentMethod, TestGatewayCharge, User

KINDS = {"auth": "authorization"}
ORDER_NUMBER = re.compile(r"SF-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _methods_of(session: Session, email: str) -> dict[str, PaymentMethod]:
    user_id = session.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
    if user_id is None:
        return {}
    return {m.token: m for m in session.scalars(
        select(PaymentMethod).where(PaymentMethod.user_id == user_id))}


def movements(session: Session, email: str) -> list[dict[str, Any]]:
    """[{"order", "kind", "amount_cents", "status", "method", "last4"}], oldest first."""
    methods = _methods_of(session, email.strip())
    if not methods:
        return []
    rows = session.scalars(select(TestGatewayCharge).where(
        TestGatewayCharge.token.in_(list(methods))).order_by(TestGatewayCharge.id))
    out = []
    for row in rows:
        method = methods[row.token]
        number = ORDER_NUMBER.search(row.idempotency_key)
        out.append({"order": number.group(0) if number else None,
                    "kind": KINDS.get(row.kind, row.kind), "amount_cents": row.amount_cents,
                    "status": "succeeded" if row.succeeded else "declined",
                    "method": method.kind, "last4": method.last4 if method.kind == "card"
                    else ""})
    return out


def kept_by_token(session: Session) -> dict[str, int]:
    """Money the provider keeps, per saved method: charged and captured less refunded."""
    sign = {"charge": 1, "capture": 1, "refund": -1}
    kept: dict[str, int] = {}
    for row in session.scalars(select(TestGatewayCharge).where(
            TestGatewayCharge.succeeded.is_(True), TestGatewayCharge.kind.in_(list(sign)))):
        kept[row.token] = kept.get(row.token, 0) + sign[row.kind] * row.amount_cents
    return kept
