"""Every refused social sign-in ends on a clear page (400) and creates nothing (R-ACC-2)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront import create_app
from storefront.extensions import db
from storefront.models import SocialIdentity, User
from tests.web.social_harness import (
    ProviderServer,
    count,
    provider_answer,
    sign_in,
    store_settings,
)

NEW = "moonlit.collector@example.com"
# Local providers that misbehave, each a second provider instance with one test-only knob.
KNOBS = {
    "genuine": {},
    "other issuer": {"QA_PROVIDER_ISSUER": "https://accounts.example.invalid"},
    "other key": {"QA_PROVIDER_FORGE_SIGNATURE": True},
    "expired": {"QA_PROVIDER_TOKEN_TTL": -600},
}


@pytest.fixture(scope="module")
def providers(database_url):
    servers = {name: ProviderServer(database_url, **knobs) for name, knobs in KNOBS.items()}
    yield servers
    for server in servers.values():
        server.close()


def store_of(database_url, provider, **extra):
    return create_app(store_settings(database_url, provider, **extra)).test_client()


@pytest.fixture()
def store(app, database_url, providers):
    return store_of(database_url, providers["genuine"])


def assert_refused(store, response, words: str, users: int) -> None:
    """A 400 page that says why; no account, no identity, nobody signed in, nothing pending."""
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert 'data-testid="social-refused"' in page and words in page
    assert count(User) == users and count(SocialIdentity) == 0
    assert db.session.scalars(select(User).where(User.email == NEW)).first() is None
    assert 'data-testid="account-link"' not in store.get("/cart/").get_data(as_text=True)
    assert store.get("/auth/social/country").status_code == 303  # no identity waits


def test_a_tampered_state_is_refused_and_creates_nothing(store):
    users = count(User)
    back = provider_answer(store, NEW)
    forged = back.query.replace("state=", "state=x")
    answer = store.get(back.path, query_string=forged)
    assert_refused(store, answer, "does not match a sign-in started here", users)


def test_an_answer_replayed_is_refused_because_its_state_was_used(store):
    back = provider_answer(store, NEW)
    assert store.get(back.path, query_string=back.query).status_code == 303
    users = count(User)
    assert_refused(store, store.get(back.path, query_string=back.query), "already used", users)


def test_an_answer_finished_in_another_browser_is_refused(store, database_url, providers):
    users = count(User)
    back = provider_answer(store, NEW)
    other = store_of(database_url, providers["genuine"])
    assert_refused(other, other.get(back.path, query_string=back.query), "started here", users)


@pytest.mark.parametrize("knob, reason", [("other issuer", "'iss'"),
                                          ("other key", "bad_signature"),
                                          ("expired", "expired_token")])
def test_an_id_token_with_another_issuer_a_bad_signature_or_expired_is_refused(
        app, database_url, providers, caplog, knob, reason):
    """Issuer pinned to the discovery URL, signature checked against the published JWKS,
    expiry checked: each bad token is refused, for that reason, and creates nothing."""
    store = store_of(database_url, providers[knob])
    users = count(User)
    assert_refused(store, sign_in(store, NEW), "could not verify the answer from Google", users)
    assert reason in caplog.text


def test_an_unverified_google_email_is_refused(store):
    users = count(User)
    assert_refused(store, sign_in(store, NEW, verified=False), "is not verified", users)


def test_cancelling_on_the_provider_page_is_refused(store):
    users = count(User)
    answer = sign_in(store, NEW, cancel=True)
    assert_refused(store, answer, "You cancelled signing in with Google", users)


def test_a_provider_error_at_the_code_exchange_is_refused(app, database_url, providers):
    """The store's client secret is wrong: the token endpoint answers invalid_client."""
    store = store_of(database_url, providers["genuine"], GOOGLE_CLIENT_SECRET="not-the-secret")
    users = count(User)
    assert_refused(store, sign_in(store, NEW), "could not verify", users)


def test_facebook_without_a_confirmed_email_is_refused(store):
    users = count(User)
    answer = sign_in(store, NEW, provider="facebook", verified=False)
    assert_refused(store, answer, "did not share a confirmed email address", users)


def test_an_account_made_with_facebook_is_not_opened_by_google_R_ACC_7(store):
    sign_in(store, NEW, provider="facebook")
    store.post("/auth/social/country", data={"country": "US"})
    store.post("/logout")
    answer = sign_in(store, NEW)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "signs in only with Facebook" in page
    providers = db.session.scalars(select(SocialIdentity.provider)).all()
    assert providers == ["facebook"]
