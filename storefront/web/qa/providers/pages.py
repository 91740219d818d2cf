"""The providers' own pages: the sign-in form that ends in a redirect back to the store."""
from __future__ import annotations

from collections.abc import Callable

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from flask import Blueprint, current_app, render_template, request
from werkzeug.wrappers import Response

from storefront.services import social
from storefront.web.qa.providers import tokens

LABELS = social.LABELS


def server(provider: str) -> AuthorizationServer:
    return current_app.extensions["qa_providers"][provider]


def add_sign_in_and_token(bp: Blueprint, provider: str, sign_in_at: tuple[str, str],
                          token_at: tuple[str, str]) -> Callable[[], Response]:
    """The two views every provider has, as (rule, endpoint): its sign-in page (field `email`,
    button `Sign in`) that ends back at the store, and its token endpoint, where the store
    trades the code for tokens. Returns the token view (the store calls it, not a form)."""
    def sign_in_page() -> Response | tuple[str, int] | str:
        return sign_in(provider)

    def token() -> Response:
        return server(provider).create_token_response()

    for view, (rule, endpoint), methods in ((sign_in_page, sign_in_at, ["GET", "POST"]),
                                            (token, token_at, ["POST"])):
        view.__name__ = view.__qualname__ = f"{provider}_{endpoint}"  # one name per provider
        bp.add_url_rule(rule, endpoint, view, methods=methods)
    return token


def sign_in(provider: str) -> Response | tuple[str, int] | str:
    """GET shows the sign-in page; POST signs in (or cancels) and redirects to the store."""
    auth = server(provider)
    email = request.form.get("email", "").strip()[:254]
    person = None
    if request.method == "POST" and not request.form.get("cancel"):
        if "@" not in email or "." not in email.rsplit("@", 1)[-1]:
            return _page(provider, email, "Enter an email address."), 422
        person = tokens.person(current_app.config["SECRET_KEY"], provider, email,
                               verified=bool(request.form.get("email_verified")))
    try:
        grant = auth.get_consent_grant(end_user=person)
        if request.method == "GET":
            return _page(provider, "", "")
        # person None (Cancel) answers the store with error=access_denied.
        return auth.create_authorization_response(grant_user=person, grant=grant)
    except OAuth2Error as error:
        if error.redirect_uri:  # the store's callback is known: it hears about the error
            return auth.handle_error_response(None, error)
        return _error(provider, error.description or error.error)
    except ValueError:  # Authlib refuses to quote an odd redirect_uri in its own message
        return _error(provider, "invalid_request: the request's parameters are not valid")


def _error(provider: str, error: str) -> tuple[str, int]:
    return render_template("qa/providers/error.html", label=LABELS[provider],
                           error=error), 400


def _page(provider: str, email: str, error: str) -> str:
    return render_template("qa/providers/sign_in.html", label=LABELS[provider],
                           email=email, error=error)
