"""A local Facebook-like OAuth 2 provider (dialog, access token, Graph /me) for QA and tests."""
from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, current_app, jsonify, request
from werkzeug.wrappers import Response

from storefront.web.qa.providers import pages

bp = Blueprint("qa_facebook", __name__, url_prefix="/_qa/facebook")


# The login dialog, and the access token endpoint (client credentials in the form, as
# Facebook takes them).
access_token = pages.add_sign_in_and_token(bp, "facebook", ("/dialog/oauth", "dialog"),
                                           ("/oauth/access_token", "access_token"))


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
