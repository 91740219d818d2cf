"""Forgotten passwords: a reset link by email, and the page it opens (R-ACC-3, R-ACC-9)."""
from __future__ import annotations

from flask import current_app, flash, request, url_for
from werkzeug.wrappers import Response

from storefront.extensions import db, limiter
from storefront.services import accounts, passwords
from storefront.services.errors import InvalidInput
from storefront.web.auth import bp
from storefront.web.auth.routes import start_session
from storefront.web.plumbing import throttle
from storefront.web.plumbing.rendering import form_values, page, public_url, see_other

# Per address as well as per client: nobody can flood one inbox with reset emails.
PER_EMAIL_LIMIT = "5 per hour"
SENT = ("If an account uses that email, we have sent it a link to reset the password. "
        "The link is valid for one hour. Check your inbox and spam folder.")


def _posted_email() -> str:
    return "reset:" + accounts.normal_email(request.form.get("email", ""))[:254]


def _reset_link(token: str) -> str:
    """The configured public address, never the request's Host header."""
    return public_url("auth.reset", token=token)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
@limiter.limit(PER_EMAIL_LIMIT, methods=["POST"], key_func=_posted_email)
def forgot() -> Response | str | tuple[str, int]:
    """Ask for a reset link; the answer is the same whether the email exists (R-ACC-9)."""
    values = form_values("email")
    if request.method == "POST":
        try:
            passwords.request_reset(db.session, values["email"][:500],
                                    secret=current_app.config["SECRET_KEY"],
                                    link_for=_reset_link)
        except InvalidInput as exc:
            db.session.rollback()
            return page("auth/forgot.html", values=values, errors=exc.errors), 422
        flash(SENT, "info")
        return see_other(url_for("auth.forgot"))
    return page("auth/forgot.html", values=values, errors={})


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
def reset(token: str) -> Response | str | tuple[str, int]:
    """Choose a new password through the emailed link; then signed in afresh (R-ACC-3)."""
    secret = current_app.config["SECRET_KEY"]
    try:
        passwords.check_token(db.session, token, secret)
    except passwords.LinkInvalid as exc:
        db.session.rollback()
        return page("auth/reset.html", problem=exc.message, errors={}, token=token), 400
    if request.method == "GET":
        return page("auth/reset.html", problem="", errors={}, token=token)
    try:
        user = passwords.reset(db.session, token, request.form.get("password", "")[:500],
                               request.form.get("password_confirm", "")[:500], secret=secret)
    except InvalidInput as exc:
        db.session.rollback()
        return page("auth/reset.html", problem="", errors=exc.errors, token=token), 422
    start_session(user)
    flash("Your password has been changed. Any other sessions of your account are "
          "logged out.", "success")
    return see_other(url_for("account.orders_page"))
