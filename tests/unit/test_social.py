"""Social sign-in rules as services, and the QA providers' sealed values (R-ACC-2, 5, 6, 7)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront.models import SocialIdentity, User
from storefront.services import accounts, social
from storefront.services.errors import InvalidInput, NotAllowed
from storefront.web.qa.providers import tokens
from tests.builders import PASSWORD
from tests.support.refusals import refused

AYA = social.Identity("google", "108234567890", "aya.collector@example.com", "Aya")


def identities(session) -> list[SocialIdentity]:
    return list(session.scalars(select(SocialIdentity)))


def test_a_google_sign_up_makes_an_account_without_a_password_in_its_region_R_ACC_2_R_ACC_5(
        session):
    user = social.register(session, AYA, "FR")
    assert (user.email, user.region, user.auth_provider) == (AYA.email, "FR", "google")
    assert user.password_hash is None
    assert [(i.provider, i.subject, i.user_id) for i in identities(session)] == [
        ("google", AYA.subject, user.id)]
    assert social.resolve(session, AYA) == social.Outcome("sign_in", user)


def test_a_provider_made_account_never_opens_with_a_password_R_ACC_7(session):
    social.register(session, AYA, "US")
    for attempt in ("", PASSWORD, "None"):
        assert accounts.authenticate(session, AYA.email, attempt) is None


@pytest.mark.parametrize("country", ["JP", "TW", "", "XX"])
def test_japan_taiwan_and_no_country_are_refused_and_create_nothing_R_ACC_6(session, country):
    with pytest.raises(InvalidInput) as refused:
        social.register(session, AYA, country)
    assert "country" in refused.value.errors
    session.rollback()
    assert session.scalars(select(User).where(User.email == AYA.email)).first() is None
    assert identities(session) == []


def test_an_email_of_a_password_account_asks_for_its_password_first_R_ACC_7(session):
    fr = social.Identity("google", "1", "qa.fr@example.com")
    outcome = social.resolve(session, fr)
    assert outcome.step == "link" and outcome.user.email == "qa.fr@example.com"
    with pytest.raises(NotAllowed):
        social.register(session, fr, "FR")  # never a second account or a silent merge
    social.link(session, outcome.user, fr)
    assert social.resolve(session, fr) == social.Outcome("sign_in", outcome.user)


def test_an_account_made_with_one_provider_is_not_opened_by_the_other_R_ACC_7(session):
    social.register(session, AYA, "US")
    same_email = social.Identity("facebook", "555", AYA.email)
    with refused(social.SignInRefused, "other_sign_in"):
        social.resolve(session, same_email)


def test_unverified_or_missing_emails_are_refused():
    claims = {"sub": "1", "email": "a@example.com"}
    with refused(social.SignInRefused, "email_unverified"):
        social.identity_from_claims("google", {**claims, "email_verified": False})
    with refused(social.SignInRefused, "email_unverified"):
        social.identity_from_claims("google", claims)
    with refused(social.SignInRefused, "email_unconfirmed"):
        social.identity_from_profile("facebook", {"id": "1", "name": "A"})
    ok = social.identity_from_claims("google", {**claims, "email_verified": True,
                                                "email": " A@Example.com "})
    assert ok == social.Identity("google", "1", "a@example.com", "")


def test_sealed_codes_refuse_forgery_another_kind_and_age():
    code = tokens.seal("key", "code", {"client_id": "c"})
    assert tokens.unseal("key", "code", code, 60) == {"client_id": "c"}
    assert tokens.unseal("other-key", "code", code, 60) is None
    assert tokens.unseal("key", "access", code, 60) is None  # a code is not a token
    assert tokens.unseal("key", "code", code[:-2] + "xx", 60) is None
    assert tokens.unseal("key", "code", code, -1) is None


def test_the_signing_key_is_the_same_in_every_process_and_the_forger_has_another():
    assert tokens.jwks("key") == tokens.jwks("key")
    assert tokens.jwks("key") != tokens.jwks("other-key")
    genuine = tokens.signing_key("key").as_dict(private=False)
    forged = tokens.signing_key("key", forged=True).as_dict(private=False)
    assert genuine["kid"] == forged["kid"] and genuine["x"] != forged["x"]
    assert "d" not in tokens.jwks("key")["keys"][0]  # never the private part


def test_provider_subjects_are_stable_and_per_provider():
    first = tokens.person("key", "google", "Aya@Example.com", True)
    assert first == tokens.person("key", "google", "aya@example.com", True)
    assert first.sub.isdigit() and first.email == "aya@example.com"
    assert tokens.person("key", "facebook", "aya@example.com", True).sub != first.sub
