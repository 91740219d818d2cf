"""Saved payment methods on My Account: list, choose the default, remove (issue 15)."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, url_for
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import User
from storefront.services import payment_methods
from storefront.services.errors import NotFound
from storefront.web.account import bp
from storefront.web.plumbing.rendering import page, see_other


@bp.get("/payment-methods/")
def saved_methods() -> tuple[str, int]:
    methods = payment_methods.listed(db.session, current_user.id)
    return page("account/saved_methods.html", methods=methods,
                expired=payment_methods.is_expired), 200


@bp.post("/payment-methods/<int:method_id>/default")
def payment_method_default(method_id: int) -> Response:
    return _own_method(payment_methods.make_default, method_id,
                       "That card is now your default.")


@bp.post("/payment-methods/<int:method_id>/remove")
def payment_method_remove(method_id: int) -> Response:
    """Only the owner can remove; orders already placed keep their payment."""
    return _own_method(payment_methods.remove, method_id,
                       "The saved card was removed. Orders already placed are not affected.")


def _own_method(act: Callable[[Session, User, int], None], method_id: int,
                done: str) -> Response:
    """Act on one of the customer's own saved methods; anyone else's is not found."""
    try:
        act(db.session, current_user, method_id)
    except NotFound:
        db.session.rollback()
        abort(404)
    flash(done, "success")
    return see_other(url_for("account.saved_methods"))
