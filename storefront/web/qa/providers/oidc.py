"""A local OpenID Connect provider standing in for Google in QA mode and tests."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, url_for
from werkzeug.wrappers import Response

from storefront.web.qa.providers import pages, tokens
from storefront.web.qa.providers.server import issuer

bp = Blueprint("qa_oidc", __name__, url_prefix="/_qa/oidc")


@bp.get("/.well-known/openid-configuration")
def discovery() -> Response:
    """The discovery document the store's Google client is pointed at."""
    return jsonify({
        "issuer": issuer(),
        "authorization_endpoint": url_for(".authorize", _external=True),
        "token_endpoint": url_for(".token", _external=True),
        "userinfo_endpoint": url_for(".userinfo", _external=True),
        "jwks_uri": url_for(".jwks", _external=True),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [tokens.ALGORITHM],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
                             "email", "email_verified", "name"],
        "code_challenge_methods_supported": ["S256"],
    })


# The sign-in page, and the token endpoint: an access token and a signed ID token.
token = pages.add_sign_in_and_token(bp, "google", ("/authorize", "authorize"),
                                    ("/token", "token"))


@bp.get("/jwks")
def jwks() -> Response:
    """The public key ID tokens are checked against (the same in every worker)."""
    return jsonify(tokens.jwks(current_app.config["SECRET_KEY"]))


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo() -> Response:
    """Claims about the bearer of an access token."""
    return pages.server("google").create_endpoint_response("userinfo")
