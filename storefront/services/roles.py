"""Back-office roles: `staff` runs orders, shipping, exchanges and notes; `manager` also
products, prices, coupons, refunds, allocation and account restrictions."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.models import User
from storefront.services import accounts
from storefront.services.errors import InvalidInput, NotAllowed, NotFound

ROLES = ("staff", "manager")
STAFF_POWERS = frozenset({"orders", "shipping", "exchanges", "notes", "reports"})
MANAGER_POWERS = STAFF_POWERS | {"products", "prices", "coupons", "refunds", "allocation",
                                 "accounts", "audit", "staff"}


class RoleRefused(NotAllowed):
    """A staff member asked for a manager's action."""


def role_of(user: User | None) -> str:
    """'manager', 'staff', or '' for a customer."""
    if user is None or not getattr(user, "is_staff", False):
        return ""
    return "manager" if user.staff_role == "manager" else "staff"


def can(user: User | None, power: str) -> bool:
    role = role_of(user)
    return power in (MANAGER_POWERS if role == "manager" else
                     STAFF_POWERS if role == "staff" else ())


def require(user: User | None, power: str) -> None:
    """Raise RoleRefused unless the user's role holds the power."""
    if not can(user, power):
        raise RoleRefused(f"Only a manager may do this ({power}).")


def staff_member(session: Session, email: str) -> User:
    """A staff account by email (the `flask staff --as EMAIL` identity)."""
    user = session.scalars(select(User).where(User.email == email.strip().lower(),
                                              User.deleted_at.is_(None))).first()
    if user is None or not user.is_staff:
        raise NotFound(f"No staff account with the email {email}.")
    return user


def create_staff(session: Session, email: str, password: str, role: str,
                 region: str = "US") -> User:
    """A new staff account with the given role; the password is typed by the operator."""
    if role not in ROLES:
        raise InvalidInput({"role": f"Choose one of {', '.join(ROLES)}."})
    user = accounts.create_user(session, email=email, password=password, region=region,
                                is_staff=True)
    user.staff_role = role
    session.commit()
    return user


def set_role(session: Session, user: User, role: str) -> None:
    if role not in ROLES:
        raise InvalidInput({"role": f"Choose one of {', '.join(ROLES)}."})
    user.is_staff, user.staff_role = True, role
    session.commit()
