"""A local Facebook-like OAuth 2 provider (dialog, access token, Graph /me) for QA and tests."""
from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, current_app, jsonify, request
from werkzeug.wrappers import Response

from storefront.web.qa.providers import pages

bp = Blueprint("qa_facebook", __name__, url_prefix="/_qa/facebook")


@bp.route("/dialog/oauth", methods=["GET", "POST"])
def dialog() -> Response | tuple[str, int] | str:
    """The login dialog (field `email`, button `Sign in`), then back to the store."""
    return pages.sign_in("facebook")


@bp.post("/oauth/access_token")
def access_token() -> Response:
    """Code for an access token (client credentials in the form, as Facebook takes them)."""
    return pages.server("facebook").create_token_response()


@bp.get("/me")
def me() -> Response | tuple[Response, int]:
    """The Graph API's /me: the requested fields the token's scope allows."""
    try:
        token = current_app.extensions["qa_providers"]["guard"].acquire_token()
    except OAuth2Error as error:
        return jsonify({"error": {"message": error.description or error.error,
                                  "type": "OAuthException", "code": 190}}), 401
    person = token.get_user()
    fields = set(request.args.get("fields", "id,name").split(","))
    profile = {"id": person.sub}
    if "name" in fields:
        profile["name"] = person.name
    # Like Facebook, no email field when the account has no confirmed email.
    if "email" in fields and "email" in token.scope.split() and person.email_verified:
        profile["email"] = person.email
    return jsonify(profile)
