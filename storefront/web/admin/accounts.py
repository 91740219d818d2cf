"""The back office's customer accounts: a customer's page and restricting an account
(R-RET-5)."""
from __future__ import annotations

from flask import flash, request, url_for
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import User
from storefront.services import (
    fulfilment,
    orders,
)
from storefront.services.errors import InvalidInput
from storefront.web.admin import access, bp
from storefront.web.admin.common import (
    Page,
    staff_actor,
    user_or_404,
)
from storefront.web.plumbing.rendering import form_values, page, see_other


def _account_page(user: User, errors: dict | None = None, values: dict | None = None,
                  status: int = 200) -> Page:
    return page("admin/account.html", account=user, errors=errors or {}, values=values or {},
                orders=orders.history(db.session, user.id)), status


@bp.get("/accounts/<int:user_id>")
def account(user_id: int) -> Page:
    """A customer: email, region, restriction and orders."""
    return _account_page(user_or_404(user_id))


@bp.post("/accounts/<int:user_id>/restrict")
@access.requires("accounts")
def restrict_account(user_id: int) -> Response | Page:
    """No more orders from this account (R-RET-5)."""
    user = user_or_404(user_id)
    try:
        fulfilment.restrict_account(db.session, user, request.form.get("reason", ""),
                                    actor=staff_actor())
    except InvalidInput as exc:
        db.session.rollback()
        return _account_page(user, exc.errors, form_values("reason"), 422)
    flash(f"{user.email} can no longer place orders.", "success")
    return see_other(url_for("admin.account", user_id=user_id))
