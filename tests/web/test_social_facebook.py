"""Facebook sign-in (OAuth 2 + Graph /me) and QA mode's local providers (R-ACC-2, R-ACC-5)."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from storefront.extensions import db
from storefront.models import SocialIdentity, User
from storefront.web.qa.providers import credentials
from tests.web.social_harness import (
    SECRET_KEY,
    ProviderServer,
    browser,
    count,
    form_action,
    sign_in,
)

NEW = "pocket.cat@example.com"




def test_a_new_facebook_customer_chooses_a_country_then_is_signed_in_R_ACC_2_R_ACC_5(store):
    answer = sign_in(store, NEW, provider="facebook")
    assert answer.headers["Location"] == "/auth/social/country"
    assert store.post("/auth/social/country", data={"country": "GB"}).status_code == 303
    user = db.session.scalars(select(User).where(User.email == NEW)).one()
    assert (user.auth_provider, user.region, user.password_hash) == ("facebook", "GB", None)
    store.post("/logout")
    again = sign_in(store, NEW, provider="facebook")
    assert again.status_code == 303 and again.headers["Location"] == "/account/"
    assert count(SocialIdentity) == 1


def test_the_graph_me_endpoint_needs_a_valid_token(provider):
    me = requests.get(provider.url + "/_qa/facebook/me", params={"fields": "id,email"},
                      headers={"Authorization": "Bearer forged"}, timeout=10)
    assert me.status_code == 401 and me.json()["error"]["type"] == "OAuthException"


def test_the_local_provider_publishes_discovery_and_one_stable_key(provider, database_url):
    discovery = requests.get(provider.url + "/_qa/oidc/.well-known/openid-configuration",
                             timeout=10).json()
    assert discovery["issuer"] == provider.url + "/_qa/oidc"
    assert discovery["jwks_uri"] == provider.url + "/_qa/oidc/jwks"
    keys = requests.get(discovery["jwks_uri"], timeout=10).json()
    other_process = ProviderServer(database_url)  # as another gunicorn worker would
    try:
        assert requests.get(other_process.url + "/_qa/oidc/jwks", timeout=10).json() == keys
    finally:
        other_process.close()


def test_the_local_provider_refuses_unknown_clients_and_foreign_redirects(provider):
    client_id, _ = credentials(SECRET_KEY, "google")
    base = {"response_type": "code", "scope": "openid email", "state": "s", "nonce": "n"}
    unknown = requests.get(provider.url + "/_qa/oidc/authorize", timeout=10, params={
        **base, "client_id": "someone-else", "redirect_uri": "http://localhost/auth/google/callback"})
    assert unknown.status_code == 400
    elsewhere = requests.get(provider.url + "/_qa/oidc/authorize", timeout=10, params={
        **base, "client_id": client_id, "redirect_uri": "https://evil.example/auth/google/callback"})
    assert elsewhere.status_code == 400


@pytest.mark.parametrize("provider_name", ["google", "facebook"])
def test_qa_mode_signs_in_through_its_own_local_providers_R_ACC_2(app, provider, provider_name):
    """QA mode without real credentials: the buttons lead to the local provider served by the
    same instance, and the real authorization-code flow comes back to it."""
    http = browser()
    login = http.get(provider.url + "/login")
    assert f'data-testid="{provider_name}-login"' in login.text
    page = http.get(provider.url + f"/auth/{provider_name}/login")
    assert page.url.startswith(provider.url + "/_qa/") and "Sign in" in page.text
    country = http.post(form_action(page), data={"email": NEW, "email_verified": "1"})
    assert country.url == provider.url + "/auth/social/country"
    assert 'name="country"' in country.text and 'data-testid="register-submit"' in country.text
    done = http.post(form_action(country), data={"country": "CA"})
    assert done.url == provider.url + "/account/" and 'data-testid="account-link"' in done.text
    http.post(provider.url + "/logout")
    page = http.get(provider.url + f"/auth/{provider_name}/login")
    back = http.post(form_action(page), data={"email": NEW, "email_verified": "1"})
    assert back.url == provider.url + "/account/"  # returning: no country asked
