"""Login, registration and logout (R-ACC-1..6, R-ACC-9)."""
from __future__ import annotations

from flask import flash, g, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from storefront.extensions import db, limiter
from storefront.models import User
from storefront.services import accounts
from storefront.services import cart as carts
from storefront.services.errors import InvalidInput
from storefront.web.auth import bp
from storefront.web.plumbing import throttle
from storefront.web.plumbing.rendering import base_url, form_values, page, safe_next, see_other


def start_session(user: User) -> None:
    """A fresh session for the account, keeping the visitor's cart (R-ACC-1)."""
    token = session.get("cart")
    session.clear()
    login_user(user)
    carts.adopt(db.session, token, user.id)
    g.header_changed = True  # an htmx answer carries the signed-in header with it


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
@limiter.limit(throttle.account_limit, methods=["POST"], key_func=throttle.posted_account,
               deduct_when=throttle.login_failed)
def login() -> Response | str | tuple[str, int]:
    """Log in with email and password; back to where the customer was going."""
    next_url = safe_next(request.values.get("next"), url_for("account.orders_page"))
    if current_user.is_authenticated:
        return see_other(next_url)
    values = form_values("email")
    if request.method == "POST":
        user = accounts.authenticate(db.session, values["email"],
                                     request.form.get("password", "")[:500])
        if user is not None:
            start_session(user)
            flash("You are logged in.", "success")
            return see_other(next_url)
        return page("auth/login.html", values=values, next=next_url,
                    error="The email or password is not right."), 422
    return page("auth/login.html", values=values, next=next_url, error="")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
def register() -> Response | str | tuple[str, int]:
    """Create an account with email, password and country of residence."""
    next_url = safe_next(request.values.get("next"), url_for("account.orders_page"))
    values = form_values("email", "country")
    if request.method == "POST":
        try:
            user = accounts.register(
                db.session, email=values["email"], password=request.form.get("password", ""),
                password_confirm=request.form.get("password_confirm", ""),
                country=values["country"], agree_terms=bool(request.form.get("agree_terms")),
                base_url=base_url())
        except InvalidInput as exc:
            db.session.rollback()
            return page("auth/register.html", values=values, errors=exc.errors, next=next_url), 422
        start_session(user)
        flash("Welcome! Your account is ready.", "success")
        return see_other(next_url)
    return page("auth/register.html", values=values, errors={}, next=next_url)


@bp.post("/logout")
def logout() -> Response:
    """End the session completely: a copy of the cookie kept from before is dead too."""
    if current_user.is_authenticated:
        accounts.end_sessions(db.session, current_user)
    logout_user()
    session.clear()
    g.header_changed = True
    flash("You are logged out.", "info")
    return see_other(url_for("shop.index"))
