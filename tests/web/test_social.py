"""Google sign-in through a real local OpenID Connect provider (R-ACC-2, R-ACC-5, R-ACC-6,
R-ACC-7); the refusals are in test_social_refusals.py."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront import create_app
from storefront.extensions import db
from storefront.models import SocialIdentity, User
from tests.builders import PASSWORD
from tests.web.social_harness import count, sign_in, store_settings

NEW = "aurora.fan@example.com"




def account(email: str) -> User | None:
    user = db.session.scalars(select(User).where(User.email == email)).one_or_none()
    db.session.rollback()
    return user


def test_a_new_google_customer_chooses_a_country_then_is_signed_in_R_ACC_2_R_ACC_5(store):
    answer = sign_in(store, NEW)
    assert answer.status_code == 303 and answer.headers["Location"] == "/auth/social/country"
    assert account(NEW) is None  # nothing before the country is chosen
    page = store.get("/auth/social/country").get_data(as_text=True)
    assert 'name="country"' in page and 'data-testid="register-submit"' in page
    assert "you lose this store account too" in page  # R-ACC-7
    done = store.post("/auth/social/country", data={"country": "FR"})
    assert done.status_code == 303 and done.headers["Location"] == "/account/"
    assert 'data-testid="account-link"' in store.get("/cart/").get_data(as_text=True)
    user = account(NEW)
    assert user.region == "FR" and user.auth_provider == "google" and user.password_hash is None
    identity = db.session.scalars(select(SocialIdentity)).one()
    assert (identity.provider, identity.user_id, identity.email) == ("google", user.id, NEW)


def test_a_returning_google_customer_is_signed_in_without_questions_R_ACC_2(store):
    users = count(User)
    sign_in(store, NEW)
    store.post("/auth/social/country", data={"country": "US"})
    store.post("/logout")
    again = sign_in(store, NEW)
    assert again.status_code == 303 and again.headers["Location"] == "/account/"
    assert store.get("/account/").status_code == 200
    assert count(User) == users + 1 and count(SocialIdentity) == 1


def test_the_customer_comes_back_to_where_they_were_going(store):
    sign_in(store, NEW, next_url="/cart/")
    done = store.post("/auth/social/country", data={"country": "US"})
    assert done.headers["Location"] == "/cart/"


@pytest.mark.parametrize("country, store_name", [("JP", "Japan"), ("TW", "Taiwan")])
def test_japan_and_taiwan_are_refused_at_the_first_sign_in_R_ACC_6(store, country, store_name):
    sign_in(store, NEW)
    refused = store.post("/auth/social/country", data={"country": country})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="country"' in page
    assert f"store for {store_name}" in page
    assert account(NEW) is None and count(SocialIdentity) == 0
    assert store.post("/auth/social/country", data={"country": "DE"}).status_code == 303
    assert account(NEW).region == "DE"


def test_a_password_account_is_linked_only_after_its_password_R_ACC_7(store):
    answer = sign_in(store, "qa.fr@example.com")
    assert answer.headers["Location"] == "/auth/social/link"
    page = store.get("/auth/social/link").get_data(as_text=True)
    assert 'name="password"' in page and 'data-testid="link-submit"' in page
    wrong = store.post("/auth/social/link", data={"password": "Wrong-Passw0rd!"})
    assert wrong.status_code == 422 and count(SocialIdentity) == 0
    assert 'data-testid="account-link"' not in wrong.get_data(as_text=True)
    linked = store.post("/auth/social/link", data={"password": PASSWORD})
    assert linked.status_code == 303 and linked.headers["Location"] == "/account/"
    user = account("qa.fr@example.com")
    assert user.password_hash and user.auth_provider is None  # still a password account
    assert db.session.scalars(select(SocialIdentity.user_id)).one() == user.id
    store.post("/logout")
    assert sign_in(store, "qa.fr@example.com").headers["Location"] == "/account/"


def test_a_pending_link_cannot_become_a_sign_up_without_the_password_R_ACC_7(store):
    users = count(User)
    sign_in(store, "qa.us@example.com")
    skipped = store.post("/auth/social/country", data={"country": "US"})
    assert skipped.status_code == 303 and skipped.headers["Location"] == "/login"
    assert count(SocialIdentity) == 0 and count(User) == users
    assert 'data-testid="account-link"' not in store.get("/cart/").get_data(as_text=True)


def test_a_google_made_account_has_no_password_login_and_the_page_says_so_R_ACC_7(store):
    sign_in(store, NEW)
    store.post("/auth/social/country", data={"country": "US"})
    store.post("/logout")
    refused = store.post("/login", data={"email": NEW, "password": PASSWORD})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "It has no password here" in page
    assert 'data-testid="google-login"' in page


def test_login_and_register_pages_show_the_buttons_and_the_warning_R_ACC_7(store):
    login = store.get("/login").get_data(as_text=True)
    assert 'data-testid="google-login"' in login and 'data-testid="facebook-login"' in login
    register = store.get("/register").get_data(as_text=True)
    assert 'data-testid="google-login"' in register
    assert 'data-testid="social-account-warning"' in register
    assert "you lose your store account too" in register


def test_buttons_are_hidden_and_routes_404_when_no_provider_is_configured(client):
    for path in ("/login", "/register"):
        page = client.get(path).get_data(as_text=True)
        assert "google-login" not in page and "facebook-login" not in page
    assert client.get("/auth/google/login").status_code == 404
    assert client.get("/auth/facebook/callback?code=x&state=y").status_code == 404


def test_the_redirect_uri_uses_the_public_origin_when_one_is_set(app, database_url, provider):
    behind_proxy = create_app(store_settings(database_url, provider,
                                             OAUTH_REDIRECT_BASE_URL="https://shop.example/"))
    start = behind_proxy.test_client().get("/auth/google/login")
    assert "redirect_uri=https%3A%2F%2Fshop.example%2Fauth%2Fgoogle%2Fcallback" in \
        start.headers["Location"]


def test_an_unreachable_provider_gives_a_clear_page(app, database_url, provider):
    down = create_app(store_settings(database_url, provider,
                                     GOOGLE_METADATA_URL="http://127.0.0.1:9/.well-known/x"))
    answer = down.test_client().get("/auth/google/login")
    assert answer.status_code == 503
    assert "Google cannot be reached right now" in answer.get_data(as_text=True)
