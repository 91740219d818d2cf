"""Forgotten passwords, password changes, throttling and the session cookie (R-ACC-3, R-ACC-9)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront import clock, create_app
from storefront.extensions import limiter
from storefront.models import Email
from tests.builders import PASSWORD, login
from tests.support.app import settings

NEW_PASSWORD = "New-Passw0rd?"


def forgot(client, email: str = "qa.us@example.com"):
    return client.post("/password/forgot", data={"email": email})


def emailed_link(session, to: str = "qa.us@example.com") -> str:
    """The path of the newest reset link in the email text."""
    session.expire_all()
    text = session.scalars(select(Email.text).where(Email.to == to, Email.kind ==
                                                    "password_reset").order_by(Email.id.desc())
                           ).first()
    assert text, f"no password_reset email to {to}"
    return re.search(r"http://localhost(/password/reset/\S+)", text).group(1)


def choose(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(link, data={"password": password,
                                   "password_confirm": password if confirm is None else confirm})


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def test_the_login_page_links_the_forgot_password_form(client):
    assert 'data-testid="forgot-password" href="/password/forgot"' in \
        client.get("/login").get_data(as_text=True)
    page = client.get("/password/forgot").get_data(as_text=True)
    assert 'name="email"' in page and 'data-testid="reset-submit"' in page


def test_the_answer_is_the_same_whether_the_email_exists_R_ACC_9(client, session):
    known, unknown = forgot(client), forgot(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == "/password/forgot"
    assert "If an account uses that email" in client.get("/password/forgot").get_data(
        as_text=True)
    assert session.scalars(select(Email.to).where(Email.kind == "password_reset")).all() == \
        ["qa.us@example.com"]


def test_a_malformed_email_is_named_next_to_the_field(client):
    response = forgot(client, "not-an-email")
    assert response.status_code == 422
    assert 'data-field="email"' in response.get_data(as_text=True)


def test_the_emailed_link_sets_a_new_password_and_signs_in_afresh_R_ACC_3(app, client, session):
    elsewhere = app.test_client()
    login(elsewhere)
    forgot(client)
    link = emailed_link(session)
    page = client.get(link).get_data(as_text=True)
    assert all(f'name="{n}"' in page for n in ("password", "password_confirm"))
    assert 'data-testid="reset-submit"' in page
    response = choose(client, link)
    assert response.status_code == 303 and response.headers["Location"] == "/account/"
    assert signed_in(client) and not signed_in(elsewhere)  # other sessions end
    client.post("/logout")
    assert login(client, password=NEW_PASSWORD).status_code == 303


def test_a_new_password_breaking_R_ACC_3_is_refused_naming_what_is_wrong(client, session):
    forgot(client)
    link = emailed_link(session)
    response = choose(client, link, "Ｐassw0rd-new")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-field="password"' in page and "“Ｐ”" in page
    mismatch = choose(client, link, NEW_PASSWORD, "Other-Passw0rd?").get_data(as_text=True)
    assert 'data-field="password_confirm"' in mismatch
    assert not signed_in(client)
    assert choose(client, link).status_code == 303  # the link still works after a refusal


def test_a_used_link_shows_a_clear_page(client, session):
    forgot(client)
    link = emailed_link(session)
    choose(client, link)
    for response in (client.get(link), choose(client, link, "Third-Passw0rd?")):
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and 'data-testid="reset-link-invalid"' in page
        assert "already been used" in page and 'href="/password/forgot"' in page


def test_an_expired_or_broken_link_shows_a_clear_page_not_an_error(client, session):
    start = clock.now()
    clock.use(start)
    forgot(client)
    link = emailed_link(session)
    clock.use(start + timedelta(hours=1, minutes=1))
    expired = client.get(link)
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    for broken in ("/password/reset/x", "/password/reset/" + "A" * 600, link + "x"):
        response = client.get(broken)
        assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)


def test_changing_the_password_keeps_this_session_and_ends_the_others_R_ACC_3(app, client):
    elsewhere = app.test_client()
    login(elsewhere)
    login(client)
    assert 'data-testid="change-password" href="/account/password"' in \
        client.get("/account/").get_data(as_text=True)
    wrong = client.post("/account/password", data={
        "current_password": "Wrong-Passw0rd!", "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and 'data-field="current_password"' in wrong.get_data(
        as_text=True)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert signed_in(client) and not signed_in(elsewhere)


@pytest.fixture()
def throttled(app, database_url):
    """An app with the limiter on, 3 attempts a minute (the limiter is process-wide)."""
    strict = create_app(settings(database_url, RATELIMIT_ENABLED=True,
                                 LOGIN_RATE_LIMIT="3 per minute"))
    yield strict.test_client()
    limiter.reset()
    limiter.enabled = False


def test_password_reset_requests_are_throttled_R_ACC_9(throttled):
    codes = [forgot(throttled, f"person{i}@example.com").status_code for i in range(4)]
    assert codes == [303, 303, 303, 429]
    assert "Too many attempts" in forgot(throttled).get_data(as_text=True)


def test_reset_emails_to_one_address_are_throttled_whoever_asks_R_ACC_9(app, database_url):
    lenient = create_app(settings(database_url, RATELIMIT_ENABLED=True,
                                  LOGIN_RATE_LIMIT="100 per minute"))
    try:
        codes = [forgot(lenient.test_client(), " QA.us@example.com").status_code
                 for _ in range(6)]
        assert codes == [303] * 5 + [429]
        assert forgot(lenient.test_client(), "qa.fr@example.com").status_code == 303
    finally:
        limiter.reset()
        limiter.enabled = False


def test_registrations_are_throttled_R_ACC_9(throttled):
    codes = [throttled.post("/register", data={"email": f"p{i}@example.com"}).status_code
             for i in range(4)]
    assert codes == [422, 422, 422, 429]


def test_the_session_cookie_is_httponly_and_samesite_lax_R_ACC_9(client):
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_when_storefront_env_is_production_R_ACC_9(
        app, database_url, monkeypatch):
    monkeypatch.setenv("STOREFRONT_ENV", "production")
    production = create_app(settings(database_url, SECRET_KEY="s" * 64,
                                     BASE_URL="https://shop.example",
                                     PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY="sk_test_x"))
    assert production.config["ENV"] == "production"
    cookie = login(production.test_client()).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
