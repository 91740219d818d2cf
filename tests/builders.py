"""Readable builders for tests: demo products by slug, customers, carts and checkouts."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from storefront.extensions import db
from storefront.models import Product, User
from storefront.payments.testgateway import TestGateway
from storefront.services import accounts, checkout_steps, placing
from storefront.services import cart as carts
from storefront.services.checkout_steps import Rules

PASSWORD = "Qa-Passw0rd!"
VISA = {"card_number": "4242 4242 4242 4242", "card_expiry": "12/39", "card_cvc": "123",
        "card_name": "Quinn Avery"}
US_ADDRESS = {"full_name": "Sam Lee", "line1": "1 Main Street", "city": "Springfield",
              "state": "IL", "postal_code": "62701", "country": "US", "phone": ""}


def product(session: Session, slug: str) -> Product:
    return session.scalars(select(Product).where(Product.slug == slug)).one()


def user(session: Session, email: str = "qa.us@example.com") -> User:
    return session.scalars(select(User).where(User.email == email)).one()


def customer(session: Session, email: str, region: str = "US") -> User:
    """A new customer with one saved address in their region."""
    from storefront.services import addresses

    person = accounts.create_user(session, email=email, password=PASSWORD, region=region)
    session.commit()
    if region == "US":
        addresses.save_new(session, person, US_ADDRESS)
        session.commit()
    return person


def gateway() -> TestGateway:
    return TestGateway(db.session.session_factory)


def ready_checkout(session: Session, person: User, items: dict[str, int],
                   card: dict[str, str] | None = None):
    """Cart filled with items, every step done: returns (checkout, fingerprint)."""
    owner = carts.Owner(user_id=person.id, region=person.region)
    for slug, quantity in items.items():
        carts.add(session, owner, slug, quantity)
    checkout = checkout_steps.start(session, person, carts.get(session, owner))
    if not checkout.shipping_address:
        checkout_steps.use_saved_address(session, checkout, person, person.addresses[0].id)
    checkout_steps.use_card(session, checkout, person, gateway(), card or VISA)
    checkout = checkout_steps.open_checkout(session, person)
    checkout_steps.use_billing(session, checkout, person, True, None)
    return checkout, checkout_steps.fingerprint(carts.get(session, owner))


def confirm(session: Session, person: User, checkout, seen: str, rules: Rules | None = None):
    return placing.confirm(session, user=person, token=checkout.token, seen=seen,
                           gateway=gateway(), rules=rules or Rules())


# --- web helpers -----------------------------------------------------------------------

def login(client, email: str = "qa.us@example.com", password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def hidden(html: bytes | str, name: str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    found = re.search(rf'name="{name}" value="([^"]*)"', text)
    assert found, f"no hidden field {name}"
    return found.group(1)


def web_checkout_to_confirm(client, items: dict[str, int], card: dict | None = None):
    """Through the web forms up to the confirm page; returns its response."""
    for slug, quantity in items.items():
        client.post("/cart/add", data={"slug": slug, "quantity": str(quantity)})
    client.get("/checkout/")
    page = client.get("/checkout/shipping")
    address_id = re.search(rb'data-address-id="(\d+)"', page.data).group(1).decode()
    client.post("/checkout/shipping", data={"address_id": address_id})
    client.post("/checkout/payment", data=card or VISA)
    client.post("/checkout/billing", data={"billing": "same"})
    return client.get("/checkout/confirm")


@contextmanager
def counted() -> Iterator[list[str]]:
    """The SQL statements run inside the block (transaction control left out)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA",
                                                      "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
