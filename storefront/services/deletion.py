"""Account deletion (R-ACC-8): refused while orders are unshipped; otherwise personal data
is erased, orders stay for accounting anonymised, sessions end, a last email goes out."""
from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from storefront import clock
from storefront.models import (
    ADDRESS_FIELDS,
    Cart,
    Checkout,
    Email,
    Order,
    OrderEvent,
    PaymentMethod,
    SocialIdentity,
    User,
)
from storefront.services import mail
from storefront.services.errors import InvalidInput, NotAllowed
from storefront.services.states import OrderStatus

UNSHIPPED = (OrderStatus.PLACED, OrderStatus.PENDING_PAYMENT)
ANONYMOUS_NAME = "Deleted customer"
ANONYMOUS_ACTOR = "customer (account deleted)"


class DeletionBlocked(NotAllowed):
    """Unshipped orders keep the account open; `numbers` names them."""

    def __init__(self, numbers: list[str]) -> None:
        super().__init__("Your account cannot be deleted while orders are not shipped yet: "
                         + ", ".join(numbers) + ".")
        self.numbers = numbers


def blocking_orders(session: Session, user: User) -> list[Order]:
    """The account's orders not shipped yet, oldest first (they block deletion)."""
    return list(session.scalars(select(Order).where(Order.user_id == user.id,
                                                    Order.status.in_(UNSHIPPED))
                                .order_by(Order.created_at, Order.id)))


def anonymous_email(user: User) -> str:
    return f"deleted-{user.id}@invalid"


def anonymous_address(snapshot: dict | None) -> dict[str, str]:
    """What an order keeps of an address: the country, for accounting."""
    kept = {k: "" for k in ADDRESS_FIELDS} | {"full_name": ANONYMOUS_NAME}
    return kept | {"country": (snapshot or {}).get("country", "")}


def delete_account(session: Session, user: User, *, password: str = "",
                   confirmed: bool = False, base_url: str = "") -> str:
    """Erase the account's personal data in one transaction; returns the address emailed."""
    blocking = blocking_orders(session, user)
    if blocking:
        raise DeletionBlocked([o.number for o in blocking])
    if user.password_hash:
        if not check_password_hash(user.password_hash, password):
            raise InvalidInput({"password": "Your password is not right."})
    elif not confirmed:
        raise InvalidInput({"confirm": "Tick the box to confirm that you want to delete "
                                       "your account."})
    original, anonymous = user.email, anonymous_email(user)
    _anonymise_orders(session, user, original, anonymous)
    _erase(session, user, original)
    user.email, user.password_hash, user.auth_provider = anonymous, None, None
    user.deleted_at = clock.now()
    user.session_version += 1
    mail.queue(session, original, "account_deleted", {"base_url": base_url})
    session.commit()
    return original


def _anonymise_orders(session: Session, user: User, original: str, anonymous: str) -> None:
    """Orders stay for accounting, without the person (R-ACC-8)."""
    order_ids = select(Order.id).where(Order.user_id == user.id)
    for order in session.scalars(select(Order).where(Order.user_id == user.id)):
        order.email = anonymous
        order.shipping_address = anonymous_address(order.shipping_address)
        order.billing_address = anonymous_address(order.billing_address)
    for checkout in session.scalars(select(Checkout).where(Checkout.user_id == user.id)):
        checkout.shipping_address = anonymous_address(checkout.shipping_address) \
            if checkout.shipping_address else None
        checkout.billing_address = anonymous_address(checkout.billing_address) \
            if checkout.billing_address else None
    session.execute(update(OrderEvent).where(OrderEvent.order_id.in_(order_ids),
                                             OrderEvent.actor == original)
                    .values(actor=ANONYMOUS_ACTOR))


def _erase(session: Session, user: User, original: str) -> None:
    """Addresses, sign-in identities, cart, saved cards' owner and past emails go."""
    user.addresses.clear()
    session.execute(delete(SocialIdentity).where(SocialIdentity.user_id == user.id))
    for cart in session.scalars(select(Cart).where(Cart.user_id == user.id)):
        session.delete(cart)
    # Orders keep their payment method (refunds need the gateway token); no one owns it now.
    session.execute(update(PaymentMethod).where(PaymentMethod.user_id == user.id)
                    .values(user_id=None))
    # Mail already written to the person is personal data too; the last email is queued after.
    session.execute(delete(Email).where(Email.to == original))
    session.flush()
