"""Saved payment methods on My Account: list, choose the default, remove (issue 15)."""
from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from storefront.extensions import db
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
    try:
        payment_methods.make_default(db.session, current_user, method_id)
    except NotFound:
        db.session.rollback()
        abort(404)
    flash("That card is now your default.", "success")
    return see_other(url_for("account.saved_methods"))


@bp.post("/payment-methods/<int:method_id>/remove")
def payment_method_remove(method_id: int) -> Response:
    """Only the owner can remove; orders already placed keep their payment."""
    try:
        payment_methods.remove(db.session, current_user, method_id)
    except NotFound:
        db.session.rollback()
        abort(404)
    flash("The saved card was removed. Orders already placed are not affected.", "success")
    return see_other(url_for("account.saved_methods"))
