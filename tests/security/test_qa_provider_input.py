"""The QA-mode sign-in stand-ins (storefront/qa_providers) on odd input (issue 12, item 6:
wapiti found 500s from odd response_type / redirect_uri and forms without a CSRF token)."""
from __future__ import annotations

import itertools

from storefront import create_app
from storefront.web.qa.providers import tokens
from tests.support.app import settings

ODD = ["", "code", "token", "code id_token", "xyz", "'\"<>", "\r\nSet-Cookie: x=1", "%00",
       "../../etc/passwd", "http://evil.example/", "javascript:alert(1)", "é" * 300]


def test_odd_authorization_requests_never_give_a_5xx(database_url, app):
    qa = create_app(settings(database_url, QA_MODE=True))
    client = qa.test_client()
    tried, bad = 0, []
    for provider, path in (("google", "/_qa/oidc/authorize"),
                           ("facebook", "/_qa/facebook/dialog/oauth")):
        client_id, _ = tokens.credentials("test", provider)
        good_uri = f"http://localhost/auth/{provider}/callback"
        for response_type, redirect_uri, asker in itertools.product(
                ODD, ODD + [good_uri], [client_id, "", "'\"<>"]):
            query = {"response_type": response_type, "redirect_uri": redirect_uri,
                     "client_id": asker, "scope": "openid email", "state": "s", "nonce": "n"}
            for method in ("GET", "POST"):
                response = client.open(path, method=method, query_string=query,
                                       data={"email": "a@example.com", "email_verified": "1"})
                tried += 1
                if response.status_code >= 500:
                    bad.append(f"{method} {path} {query} -> {response.status_code}")
    print(f"QA providers: {tried} authorization requests with odd response_type, "
          f"redirect_uri and client_id: {len(bad)} answered 5xx")
    assert tried and not bad, "\n".join(bad[:10])


def test_the_sign_in_forms_carry_a_csrf_token_and_the_token_endpoints_need_none(
        database_url, app):
    qa = create_app(settings(database_url, QA_MODE=True, WTF_CSRF_ENABLED=True))
    client = qa.test_client()
    client_id, _ = tokens.credentials(qa.config["SECRET_KEY"], "google")
    query = {"response_type": "code", "client_id": client_id, "scope": "openid email",
             "redirect_uri": "http://localhost/auth/google/callback", "state": "s",
             "nonce": "n"}
    page = client.get("/_qa/oidc/authorize", query_string=query).get_data(as_text=True)
    assert 'name="csrf_token"' in page
    forged = client.post("/_qa/oidc/authorize", query_string=query,
                         data={"email": "a@example.com"})
    assert forged.status_code == 400  # no token: refused
    for path in ("/_qa/oidc/token", "/_qa/facebook/oauth/access_token"):
        machine = client.post(path, data={"grant_type": "authorization_code", "code": "x"})
        assert machine.is_json and "error" in machine.get_json(), path  # OAuth's answer
