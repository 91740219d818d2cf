"""What the back office's views share: the record a URL names (or a 404), who is acting,
and how an action's outcome is told (refusals flashed, success flashed, then redirected)."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash
from flask_login import current_user
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import Order, Product, User
from storefront.services import catalog, fulfilment
from storefront.services.errors import InvalidInput, NotFound, ServiceError
from storefront.web.plumbing.rendering import see_other

Page = tuple[str, int]


def staff_actor() -> str:
    """Who did it, as order events and the audit log record it."""
    return f"staff:{current_user.email}"


def emailed(count: int) -> str:
    return f"{count} customer{'' if count == 1 else 's'} emailed"


def order_or_404(number: str) -> Order:
    try:
        return fulfilment.get_order(db.session, number[:20])
    except NotFound:
        abort(404)


def product_or_404(slug: str, *, with_facts: bool = False) -> Product:
    try:
        return catalog.get_product(db.session, slug[:120], with_facts=with_facts)
    except NotFound:
        abort(404)


def user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def flash_refusal(exc: ServiceError) -> None:
    """Undo the use case's transaction and say why it was refused."""
    db.session.rollback()
    flash(" ".join(exc.errors.values()) if isinstance(exc, InvalidInput) else exc.message,
          "error")


def act_then(back: str, act: Callable[[], str]) -> Response:
    """Run a staff action: its outcome or its refusal is flashed, then back to `back`."""
    try:
        flash(act(), "success")
    except ServiceError as exc:
        flash_refusal(exc)
    return see_other(back)
