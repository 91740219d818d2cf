"""Accounts: password rules, regions, registration, authentication."""
from __future__ import annotations

import pytest

from storefront.models import Email
from storefront.services import accounts
from storefront.services.errors import InvalidInput


@pytest.mark.parametrize("password", ["Qa-Passw0rd!", "aA1!aaaa", "Zz9`zzzz", "xY7\\abcd",
                                      'q"W3rtyui', "Ab1{}|~^_"])
def test_passwords_with_every_required_kind_of_character_are_accepted_R_ACC_3(password):
    assert accounts.password_problems(password) == []


@pytest.mark.parametrize("password, named", [
    ("Qa-Pass w0rd!", "spaces"),
    ("Qa-Passw0rd!\t", "tab"),
    ("Qa-Passwörd0!", "ö"),
    ("Qa-Passw0rd！", "！"),  # full-width exclamation mark
    ("Ｑa-Passw0rd!", "Ｑ"),  # full-width Q
    ("Qa-Passw0rd!😀", "😀"),
    ("qa-passw0rd!", "uppercase"),
    ("QA-PASSW0RD!", "lowercase"),
    ("Qa-Password!", "digit"),
    ("QaPassw0rd1", "symbol"),
    ("Qa-0!", "at least 8"),
])
def test_a_password_breaking_a_rule_gets_a_message_naming_what_is_wrong_R_ACC_3(password, named):
    message = accounts.password_message(password)
    assert message is not None and named in message


def test_passwords_are_hashed_with_scrypt_by_default_R_ACC_9():
    import importlib

    fresh = importlib.reload(accounts)
    try:
        assert fresh.HASH_METHOD == "scrypt"
        assert fresh.hash_password("Qa-Passw0rd!").startswith("scrypt:")
    finally:
        fresh.HASH_METHOD = "pbkdf2:sha256:1000"


@pytest.mark.parametrize("code", ["JP", "TW"])
def test_japan_and_taiwan_are_refused_with_a_pointer_to_their_store_R_ACC_6(session, code):
    with pytest.raises(InvalidInput) as exc:
        accounts.register(session, email="new@example.com", password="Qa-Passw0rd!",
                          password_confirm="Qa-Passw0rd!", country=code, agree_terms=True)
    assert "store for" in exc.value.errors["country"]


def test_registration_fixes_the_region_and_sends_a_welcome_email_R_ACC_5(session):
    user = accounts.register(session, email=" New@Example.com ", password="Qa-Passw0rd!",
                             password_confirm="Qa-Passw0rd!", country="DE", agree_terms=True)
    assert (user.email, user.region) == ("new@example.com", "DE")
    assert user.password_hash and "Qa-Passw0rd!" not in user.password_hash
    kinds = [e.kind for e in session.query(Email).filter_by(to="new@example.com")]
    assert kinds == ["welcome"]


def test_registration_requires_agreeing_to_the_terms_R_ACC_4(session):
    with pytest.raises(InvalidInput) as exc:
        accounts.register(session, email="new@example.com", password="Qa-Passw0rd!",
                          password_confirm="Qa-Passw0rd!", country="US", agree_terms=False)
    assert "Terms of Use" in exc.value.errors["agree_terms"]


def test_registration_reports_every_bad_field_at_once(session):
    with pytest.raises(InvalidInput) as exc:
        accounts.register(session, email="not-an-email", password="short",
                          password_confirm="x", country="", agree_terms=False)
    assert set(exc.value.errors) == {"email", "password", "country", "agree_terms"}


def test_a_taken_email_cannot_register_twice(session):
    with pytest.raises(InvalidInput) as exc:
        accounts.register(session, email="QA.US@example.com", password="Qa-Passw0rd!",
                          password_confirm="Qa-Passw0rd!", country="US", agree_terms=True)
    assert "already exists" in exc.value.errors["email"]


def test_authentication_accepts_the_right_password_only_R_ACC_9(session):
    assert accounts.authenticate(session, "qa.us@example.com", "Qa-Passw0rd!") is not None
    assert accounts.authenticate(session, "qa.us@example.com", "Qa-Passw0rd?") is None
    assert accounts.authenticate(session, "nobody@example.com", "Qa-Passw0rd!") is None
