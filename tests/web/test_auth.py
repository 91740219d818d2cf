"""Registration, login and logout through forms (R-ACC-*)."""
from __future__ import annotations

import re

from tests.builders import login


def register(client, **fields):
    data = {"email": "qa.new@example.com", "password": "Qa-Passw0rd!",
            "password_confirm": "Qa-Passw0rd!", "country": "US", "agree_terms": "1"} | fields
    return client.post("/register", data=data)


def test_register_and_login_forms_link_terms_and_privacy_R_ACC_4(client):
    for path in ("/register", "/login"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="/terms"' in page and 'href="/privacy"' in page


def test_registering_logs_in_and_lands_on_my_account_R_ACC_2(client):
    response = register(client)
    assert response.status_code == 303
    assert 'data-testid="account-link"' in client.get("/").get_data(as_text=True)


def test_a_bad_password_is_named_next_to_the_field_and_the_email_is_kept_R_ACC_3(client):
    response = register(client, password="Passwörd1!", password_confirm="Passwörd1!")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="field-error" data-field="password"' in page and "“ö”" in page
    assert 'value="qa.new@example.com"' in page and "Passwörd1!" not in page
    assert 'data-testid="form-errors"' in page


def test_japan_is_refused_at_registration_R_ACC_6(client):
    page = register(client, country="JP").get_data(as_text=True)
    assert 'data-field="country"' in page and "store for Japan" in page
    assert 'aria-invalid="true" aria-describedby="country-error"' in page


def test_a_refused_registration_keeps_the_chosen_country_R_ACC_3(client):
    page = register(client, password="short", password_confirm="short",
                    country="FR").get_data(as_text=True)
    assert '<option value="FR" selected>' in page


def test_login_failure_says_the_same_for_unknown_emails_R_ACC_9(client):
    client.get("/login")  # both attempts from a browser that has a session
    wrong = login(client, "qa.us@example.com", "Wrong-Passw0rd!").get_data(as_text=True)
    unknown = login(client, "nobody@example.com", "Wrong-Passw0rd!").get_data(as_text=True)
    assert "The email or password is not right." in wrong

    def same(page: str, email: str) -> str:  # CSRF tokens carry a timestamp
        return re.sub(r'(value=|X-CSRFToken": )"[^"]*"', "", page.replace(email, "X"))

    assert same(wrong, "qa.us@example.com") == same(unknown, "nobody@example.com")


def test_login_follows_next_only_on_this_site(client):
    ok = client.post("/login?next=/cart/", data={"email": "qa.us@example.com",
                                                  "password": "Qa-Passw0rd!"})
    assert ok.headers["Location"] == "/cart/"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        response = client.post("/login", query_string={"next": evil},
                               data={"email": "qa.us@example.com", "password": "Qa-Passw0rd!"})
        assert response.headers["Location"] == "/account/", evil
        client.post("/logout")


def test_logout_ends_the_session(client):
    login(client)
    assert client.get("/account/").status_code == 200
    client.post("/logout")
    response = client.get("/account/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logins_are_throttled_R_ACC_9(app, database_url):
    from storefront import create_app
    from storefront.extensions import limiter
    from tests.support.app import settings

    throttled = create_app(settings(database_url, RATELIMIT_ENABLED=True,
                                    LOGIN_RATE_LIMIT="3 per minute"))
    client = throttled.test_client()
    try:
        codes = []
        for _ in range(4):  # reading the page between attempts counts for nothing
            assert client.get("/login").status_code == 200
            codes.append(login(client, "qa.us@example.com", "Nope-Passw0rd!").status_code)
        assert codes == [422, 422, 422, 429]
        assert "Too many attempts" in login(client).get_data(as_text=True)
        assert client.get("/login").status_code == 200  # pages are never throttled
    finally:  # the limiter is one object shared by every app in this process
        limiter.reset()
        limiter.enabled = False
