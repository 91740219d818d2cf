"""Google and Facebook sign-in: who a verified identity is, sign-up and linking (R-ACC-2, 5-7)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import SocialIdentity, User
from storefront.services import accounts, mail
from storefront.services.errors import AccountExists, InvalidInput, NotAllowed

LABELS = {"google": "Google", "facebook": "Facebook"}


class SignInRefused(NotAllowed):
    """The provider's answer cannot sign anyone in; nothing was created."""

    code = "sign_in_refused"


@dataclass(frozen=True)
class Identity:
    """A provider account whose answer was verified: stable subject and confirmed email."""

    provider: str
    subject: str
    email: str
    name: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    """What a verified identity leads to: sign in, ask the country, or ask the password."""

    step: Literal["sign_in", "register", "link"]
    user: User | None = None


def identity_from_claims(provider: str, claims: dict[str, Any]) -> Identity:
    """An identity from verified ID token claims; refused without a verified email."""
    if claims.get("email_verified") not in (True, "true"):
        raise SignInRefused(f"Your {LABELS[provider]} email address is not verified, so it "
                            "cannot open a store account. Verify it first, then try again.",
                            code="email_unverified")
    return _identity(provider, claims.get("sub"), claims.get("email"), claims.get("name"))


def identity_from_profile(provider: str, profile: dict[str, Any]) -> Identity:
    """An identity from a Graph API profile; Facebook sends an email only once confirmed."""
    if not profile.get("email"):
        raise SignInRefused(f"{LABELS[provider]} did not share a confirmed email address, "
                            "which a store account needs. Confirm it there, then try again.",
                            code="email_unconfirmed")
    return _identity(provider, profile.get("id"), profile.get("email"), profile.get("name"))


def _identity(provider: str, subject: Any, email: Any, name: Any) -> Identity:
    email = accounts.normal_email(str(email or ""))
    if not subject or not accounts.EMAIL_RE.match(email) or len(email) > 254:
        raise SignInRefused(f"{LABELS[provider]} did not send a usable account and email.",
                            code="no_account")
    return Identity(provider, str(subject)[:255], email, str(name or "")[:200])


def resolve(session: Session, identity: Identity) -> Outcome:
    """Who the identity signs in as; a password account is never merged silently (R-ACC-7)."""
    linked = _linked_user(session, identity)
    if linked is not None:
        return Outcome("sign_in", linked)
    owner = session.scalars(select(User).where(User.email == identity.email)).one_or_none()
    if owner is None or owner.deleted_at is not None:
        return Outcome("register")
    if owner.password_hash:
        return Outcome("link", owner)
    other = LABELS.get(owner.auth_provider or "", "another provider")
    raise SignInRefused(f"The store account for {identity.email} was made with {other} and "
                        f"signs in only with {other}. Please use the {other} button.",
                        code="other_sign_in")


def _linked_user(session: Session, identity: Identity) -> User | None:
    row = session.scalars(select(SocialIdentity).where(
        SocialIdentity.provider == identity.provider,
        SocialIdentity.subject == identity.subject)).one_or_none()
    user = session.get(User, row.user_id) if row else None
    return user if user is not None and user.deleted_at is None else None


def register(session: Session, identity: Identity, country: str, base_url: str = "") -> User:
    """A new account that signs in only through its provider, in its region for life
    (R-ACC-2, R-ACC-5, R-ACC-6, R-ACC-7)."""
    problem = accounts.region_problem(country)
    if problem:
        raise InvalidInput({"country": problem})
    if resolve(session, identity).step != "register":
        raise AccountExists("This account already exists. Please sign in again.")
    _forget_stale_identity(session, identity)
    user = User(email=identity.email, password_hash=None, region=country,
                auth_provider=identity.provider, created_at=clock.now())
    session.add(user)
    try:
        session.flush()
        session.add(_row(user, identity))
        session.flush()
    except IntegrityError:
        session.rollback()
        raise AccountExists("This account already exists. Please sign in again.") from None
    mail.queue(session, user.email, "welcome", {"user": user, "base_url": base_url})
    session.commit()
    return user


def link(session: Session, user: User, identity: Identity) -> None:
    """Let the identity sign in to a password account whose password was just proven."""
    session.add(_row(user, identity))
    try:
        session.commit()
    except IntegrityError:  # linked meanwhile (a second tab): the same result
        session.rollback()


def _row(user: User, identity: Identity) -> SocialIdentity:
    return SocialIdentity(user_id=user.id, provider=identity.provider, subject=identity.subject,
                          email=identity.email, created_at=clock.now())


def _forget_stale_identity(session: Session, identity: Identity) -> None:
    """A deleted account's identity no longer signs in: the person may sign up afresh."""
    stale = session.scalars(select(SocialIdentity).where(
        SocialIdentity.provider == identity.provider,
        SocialIdentity.subject == identity.subject)).one_or_none()
    if stale is not None:
        session.delete(stale)
        session.flush()
