"""Password reset links and password changes (R-ACC-3, R-ACC-9)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront import clock
from storefront.models import Email, User
from storefront.services import accounts, passwords
from storefront.services.errors import InvalidInput
from tests.builders import PASSWORD, user
from tests.support.refusals import refused

SECRET = "test"
NEW_PASSWORD = "New-Passw0rd?"


def link_for(token: str) -> str:
    return f"http://store.test/password/reset/{token}"


def mails(session, to: str) -> list[Email]:
    return list(session.scalars(select(Email).where(Email.to == to, Email.kind ==
                                                    "password_reset").order_by(Email.id)))


def token_of(session, to: str = "qa.us@example.com") -> str:
    """The token of the newest reset link emailed to an address."""
    return mails(session, to)[-1].text.split("/password/reset/")[1].split()[0]


def ask(session, email: str = "qa.us@example.com") -> None:
    passwords.request_reset(session, email, secret=SECRET, link_for=link_for)


def social_only(session, email: str = "gina@example.com") -> User:
    person = User(email=email, password_hash=None, region="US", auth_provider="google",
                  created_at=clock.now())
    session.add(person)
    session.commit()
    return person


def test_a_password_account_is_emailed_a_reset_link_valid_for_an_hour(session):
    ask(session, " QA.US@example.com ")
    [mail] = mails(session, "qa.us@example.com")
    assert mail.subject == "Reset your Storefront password"
    assert "http://store.test/password/reset/" in mail.text and "60 minutes" in mail.text
    assert passwords.check_token(session, token_of(session), SECRET) == user(session)


def test_an_unknown_email_is_answered_the_same_and_gets_no_mail_R_ACC_9(session):
    ask(session, "nobody@example.com")  # no error: the caller cannot tell the difference
    assert session.scalars(select(Email)).all() == []


def test_an_invalid_email_is_named_as_such(session):
    with pytest.raises(InvalidInput) as exc:
        ask(session, "not an email")
    assert "email" in exc.value.errors


def test_a_google_account_is_told_to_sign_in_with_google_and_gets_no_link_R_ACC_7(session):
    social_only(session)
    ask(session, "gina@example.com")
    [mail] = mails(session, "gina@example.com")
    assert "signs in with Google" in mail.text and "/password/reset/" not in mail.text


def test_the_link_sets_a_new_password_under_R_ACC_3_and_ends_every_session(session):
    me = user(session)
    version = me.session_version
    ask(session)
    passwords.reset(session, token_of(session), NEW_PASSWORD, NEW_PASSWORD, secret=SECRET)
    assert me.session_version == version + 1
    assert accounts.authenticate(session, me.email, NEW_PASSWORD) == me
    assert accounts.authenticate(session, me.email, PASSWORD) is None


@pytest.mark.parametrize("password, named", [("New Passw0rd?", "spaces"),
                                             ("Ｎew-Passw0rd?", "Ｎ"),
                                             ("new-passw0rd?", "uppercase")])
def test_a_new_password_breaking_R_ACC_3_is_refused_naming_what_is_wrong(
        session, password, named):
    ask(session)
    with pytest.raises(InvalidInput) as exc:
        passwords.reset(session, token_of(session), password, password, secret=SECRET)
    assert named in exc.value.errors["password"]
    session.rollback()
    assert accounts.authenticate(session, "qa.us@example.com", PASSWORD) is not None


def test_the_two_new_passwords_must_match(session):
    ask(session)
    with pytest.raises(InvalidInput) as exc:
        passwords.reset(session, token_of(session), NEW_PASSWORD, "Other-Passw0rd?",
                        secret=SECRET)
    assert "password_confirm" in exc.value.errors


def test_a_link_works_once(session):
    ask(session)
    token = token_of(session)
    passwords.reset(session, token, NEW_PASSWORD, NEW_PASSWORD, secret=SECRET)
    with refused(passwords.LinkInvalid, "link_used"):
        passwords.reset(session, token, "Third-Passw0rd?", "Third-Passw0rd?", secret=SECRET)


def test_every_earlier_link_dies_once_one_is_used(session):
    ask(session)
    first = token_of(session)
    ask(session)
    passwords.reset(session, token_of(session), NEW_PASSWORD, NEW_PASSWORD, secret=SECRET)
    with pytest.raises(passwords.LinkInvalid):
        passwords.check_token(session, first, SECRET)


def test_a_link_expires_after_one_hour(session):
    start = clock.now()
    clock.use(start)
    ask(session)
    clock.use(start + timedelta(minutes=59))
    assert passwords.check_token(session, token_of(session), SECRET)
    clock.use(start + timedelta(minutes=61))
    with refused(passwords.LinkInvalid, "link_expired"):
        passwords.check_token(session, token_of(session), SECRET)


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1],
                                    lambda t: "garbage", lambda t: ""])
def test_a_tampered_link_is_refused(session, mangle):
    ask(session)
    with refused(passwords.LinkInvalid, "link_invalid"):
        passwords.check_token(session, mangle(token_of(session)), SECRET)


def test_a_link_signed_with_another_secret_is_refused(session):
    token = passwords.make_token(user(session), "another-secret")
    with refused(passwords.LinkInvalid, "link_invalid"):
        passwords.check_token(session, token, SECRET)


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions_R_ACC_3(session):
    me = user(session)
    version = me.session_version
    with pytest.raises(InvalidInput) as exc:
        passwords.change(session, me, "Wrong-Passw0rd!", NEW_PASSWORD, NEW_PASSWORD)
    assert "current_password" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        passwords.change(session, me, PASSWORD, "short1!", "short1!")
    assert "at least 8" in exc.value.errors["password"]
    session.rollback()
    passwords.change(session, me, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert me.session_version == version + 1
    assert accounts.authenticate(session, me.email, NEW_PASSWORD) == me
