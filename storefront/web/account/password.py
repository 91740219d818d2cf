"""Changing the password of a password account on My Account (R-ACC-3, R-ACC-9)."""
from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from storefront.extensions import db, limiter
from storefront.services import accounts, passwords
from storefront.services.errors import InvalidInput
from storefront.web.account import bp
from storefront.web.plumbing import throttle
from storefront.web.plumbing.rendering import page, see_other


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
def password() -> Response | str | tuple[str, int]:
    """Change the password of a password account; other sessions end, this one stays."""
    user = accounts.load_user(db.session, current_user.id)
    if user is None or not user.password_hash:
        flash("Your account signs in with Google or Facebook: it has no password here.", "info")
        return see_other(url_for("account.orders_page"))
    if request.method == "GET":
        return page("account/password.html", errors={})
    try:
        passwords.change(db.session, user, request.form.get("current_password", "")[:500],
                         request.form.get("password", "")[:500],
                         request.form.get("password_confirm", "")[:500])
    except InvalidInput as exc:
        db.session.rollback()
        return page("account/password.html", errors=exc.errors), 422
    login_user(user)  # the session now carries the new session version
    flash("Your password has been changed. Your other sessions are logged out.", "success")
    return see_other(url_for("account.orders_page"))
