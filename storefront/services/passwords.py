"""Password reset by emailed link, and password changes (R-ACC-3, R-ACC-9)."""
from __future__ import annotations

import hashlib
from collections.abc import Callable

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from storefront import clock
from storefront.models import User
from storefront.services import mail, social
from storefront.services.accounts import EMAIL_RE, hash_password, normal_email, password_message
from storefront.services.errors import InvalidInput, ServiceError

SALT = "storefront.password-reset"
MAX_AGE = 3600  # seconds a reset link stays valid


class LinkInvalid(ServiceError):
    """A reset link that is malformed, expired or already used."""

    code = "link_invalid"


class _ClockSigner(TimestampSigner):
    """Signs with the app's clock, so QA's clock and tests can age a link."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT, signer=_ClockSigner)


def _fingerprint(user: User) -> str:
    """Changes whenever the password or the sessions change: a used link dies with it."""
    raw = f"{user.id}|{user.password_hash or ''}|{user.session_version}|{user.email}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def make_token(user: User, secret: str) -> str:
    """A signed, expiring, single-use reset token for this account."""
    return str(_serializer(secret).dumps({"u": user.id, "f": _fingerprint(user)}))


def request_reset(session: Session, email: str, *, secret: str,
                  link_for: Callable[[str], str]) -> None:
    """Email a reset link to a password account; nothing is said about unknown emails (R-ACC-9).

    A Google or Facebook account gets an email saying how it signs in instead (R-ACC-7)."""
    email = normal_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise InvalidInput({"email": "Enter a valid email address."})
    user = session.scalars(select(User).where(User.email == email,
                                              User.deleted_at.is_(None))).one_or_none()
    if user is None:
        session.rollback()
        return
    if user.password_hash:
        context = {"link": link_for(make_token(user, secret)), "minutes": MAX_AGE // 60}
    else:
        context = {"link": "", "provider": social.LABELS.get(user.auth_provider or "", "Google "
                                                         "or Facebook")}
    mail.queue(session, user.email, "password_reset", context)
    session.commit()


def check_token(session: Session, token: str, secret: str) -> User:
    """The account a reset link opens, or LinkInvalid saying why."""
    try:
        data = _serializer(secret).loads(token[:500], max_age=MAX_AGE)
    except SignatureExpired:
        raise LinkInvalid("This password reset link has expired (links are valid for one "
                          "hour). Please ask for a new one.", code="link_expired") from None
    except BadSignature:
        raise LinkInvalid("This password reset link is not valid. Please ask for a new "
                          "one.", code="link_invalid") from None
    user = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if (user is None or user.deleted_at is not None or not user.password_hash
            or data.get("f") != _fingerprint(user)):
        raise LinkInvalid("This password reset link has already been used or is no longer "
                          "valid. Please ask for a new one.", code="link_used")
    return user


def _new_password(password: str, password_confirm: str) -> dict[str, str]:
    """Field errors of a new password under R-ACC-3."""
    problem = password_message(password)
    if problem:
        return {"password": problem}
    if password != password_confirm:
        return {"password_confirm": "The two passwords do not match."}
    return {}


def _set(user: User, password: str) -> None:
    """A new hash, and every session of the account ends (they carry the old version)."""
    user.password_hash = hash_password(password)
    user.session_version += 1


def reset(session: Session, token: str, password: str, password_confirm: str, *,
          secret: str) -> User:
    """Set a new password through a reset link; the link and other sessions die (R-ACC-3)."""
    user = check_token(session, token, secret)
    errors = _new_password(password, password_confirm)
    if errors:
        raise InvalidInput(errors)
    _set(user, password)
    session.commit()
    return user


def change(session: Session, user: User, current: str, password: str,
           password_confirm: str) -> None:
    """Change a known password; the account's other sessions end (R-ACC-3)."""
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise InvalidInput({"current_password": "Your current password is not right."})
    errors = _new_password(password, password_confirm)
    if errors:
        raise InvalidInput(errors)
    _set(user, password)
    session.commit()
