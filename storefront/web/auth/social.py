"""Sign in with Google or Facebook: start, callback, first-time country, linking (R-ACC-2, 5-7)."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App
from flask import Flask, abort, flash, request, session, url_for
from flask_login import current_user
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from storefront.extensions import db, limiter
from storefront.models import User
from storefront.services import accounts, social
from storefront.services.errors import InvalidInput, NotAllowed
from storefront.web.auth import bp, social_clients
from storefront.web.auth.routes import start_session
from storefront.web.plumbing import throttle
from storefront.web.plumbing.rendering import base_url, form_values, page, safe_next, see_other

log = logging.getLogger(__name__)
PENDING = "social_pending"  # a verified identity waiting for its country or its password
NEXT = "social_next"
PENDING_TTL = 15 * 60
# Anything that goes wrong between the provider's answer and a verified identity.
FAILURES = (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError)

View = Response | str | tuple[str, int]


def init_app(app: Flask) -> None:
    """Wire the OAuth clients and the template helper listing the enabled providers."""
    social_clients.init_app(app)


def _client_or_404(provider: str) -> FlaskOAuth2App:
    client = social_clients.client(provider)
    if client is None:
        abort(404)
    return client


@bp.get("/auth/<provider>/login")
def social_login(provider: str) -> View:
    """Off to the provider's sign-in page; state, nonce and PKCE wait in the session."""
    client = _client_or_404(provider)
    next_url = safe_next(request.args.get("next"), url_for("account.orders_page"))
    if current_user.is_authenticated:
        return see_other(next_url)
    session[NEXT] = next_url
    try:
        return client.authorize_redirect(social_clients.redirect_uri(provider))
    except FAILURES as exc:
        log.warning("%s sign-in could not start: %r", provider, exc)
        return _refused(provider, f"{social.LABELS[provider]} cannot be reached right now. "
                                  "Please try again in a moment.", 503)


@bp.get("/auth/<provider>/callback")
def social_callback(provider: str) -> View:
    """Check the provider's answer, then sign in, ask the country or ask the password."""
    client = _client_or_404(provider)
    try:
        identity = _verified_identity(provider, client)
        outcome = social.resolve(db.session, identity)
    except social.SignInRefused as exc:
        return _refused(provider, exc.message)
    except FAILURES as exc:
        log.warning("%s sign-in refused: %r", provider, exc)
        return _refused(provider, _explain(provider, exc))
    if outcome.step == "sign_in" and outcome.user is not None:
        return _signed_in(outcome.user, f"You are signed in with {social.LABELS[provider]}.")
    session[PENDING] = {**identity.as_dict(), "link": outcome.step == "link",
                        "at": int(time.time())}
    return see_other(url_for("auth.social_link" if outcome.step == "link"
                             else "auth.social_country"))


def _verified_identity(provider: str, client: FlaskOAuth2App) -> social.Identity:
    """State checked, code exchanged; Google's ID token verified, Facebook's /me read."""
    if provider == "google":
        # Authlib checks signature, expiry and nonce; issuer and audience are pinned here.
        token = client.authorize_access_token(claims_options={
            "iss": {"essential": True, "values": social_clients.expected_issuers()},
            "aud": {"essential": True, "values": [client.client_id]}})
        if not token.get("userinfo"):
            raise social.SignInRefused("Google sent no signed identity, so nobody was "
                                       "signed in and nothing was created.")
        return social.identity_from_claims(provider, token["userinfo"])
    token = client.authorize_access_token()
    profile = client.get("me", params={"fields": "id,name,email"}, token=token)
    profile.raise_for_status()
    return social.identity_from_profile(provider, profile.json())


def _explain(provider: str, exc: Exception) -> str:
    label = social.LABELS[provider]
    if isinstance(exc, MismatchingStateError):
        return ("This sign-in answer does not match a sign-in started here, or it was already "
                "used. Nothing was changed; please start again from the login page.")
    if isinstance(exc, OAuthError) and exc.error == "access_denied":
        return f"You cancelled signing in with {label}. Nothing was changed."
    return (f"We could not verify the answer from {label}, so nobody was signed in and "
            "nothing was created. Please try again.")


def _refused(provider: str, message: str, status: int = 400) -> tuple[str, int]:
    session.pop(PENDING, None)
    return page("auth/social_refused.html", label=social.LABELS.get(provider, provider),
                message=message), status


def _signed_in(user: User, message: str) -> Response:
    next_url = safe_next(session.get(NEXT), url_for("account.orders_page"))
    start_session(user)
    flash(message, "success")
    return see_other(next_url)


def _pending(link: bool) -> Callable[[Callable[..., View]], Callable[..., View]]:
    """The view gets the identity verified moments ago in this session, if it waits for
    this step (link or not); otherwise the customer is asked to sign in again."""
    def wrap(view: Callable[..., View]) -> Callable[..., View]:
        @wraps(view)
        def run() -> View:
            data = session.get(PENDING)
            if not isinstance(data, dict) or bool(data.get("link")) != link \
                    or time.time() - int(data.get("at", 0)) > PENDING_TTL:
                flash("Please sign in with Google or Facebook again.", "info")
                return see_other(url_for("auth.login"))
            return view(social.Identity(data["provider"], data["subject"], data["email"],
                                        data["name"]))
        return run
    return wrap


@bp.route("/auth/social/country", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
@_pending(link=False)
def social_country(identity: social.Identity) -> View:
    """First sign-in: the country of residence, chosen once, opens the account (R-ACC-5/6)."""
    values = form_values("country")
    if request.method == "POST":
        try:
            user = social.register(db.session, identity, values["country"],
                                   base_url=base_url())
        except InvalidInput as exc:
            db.session.rollback()
            return page("auth/social_country.html", identity=identity, values=values,
                        errors=exc.errors), 422
        except NotAllowed as exc:
            db.session.rollback()
            return _refused(identity.provider, exc.message)
        return _signed_in(user, "Welcome! Your account is ready.")
    return page("auth/social_country.html", identity=identity, values=values, errors={})


@bp.route("/auth/social/link", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
@_pending(link=True)
def social_link(identity: social.Identity) -> View:
    """The email has a password account: its password first, then the two are linked."""
    label = social.LABELS[identity.provider]
    if request.method == "POST":
        user = accounts.authenticate(db.session, identity.email,
                                     request.form.get("password", "")[:500])
        if user is None:
            return page("auth/social_link.html", identity=identity, label=label,
                        error="That password is not right for this account."), 422
        social.link(db.session, user, identity)
        return _signed_in(user, f"{label} sign-in is now linked to your account.")
    return page("auth/social_link.html", identity=identity, label=label, error="")
