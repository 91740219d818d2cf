"""Payment methods: a card typed into a form, tokenised by the gateway and checked (R-CHK-5,
R-CHK-6), or a method approved on the provider's page (PayPal, hosted cards); and the saved
ones: kept with the customer's consent, offered first at the payment step (the default
first), never once expired, removable in My Account (issue 15, point 7)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Checkout, PaymentMethod, User
from storefront.payments import CardDetails, Gateway, GatewayDeclined, card_checks
from storefront.services import idempotency
from storefront.services.errors import (
    InvalidInput,
    MethodRefused,
    NotFound,
    ProviderUnavailable,
)


def new_card(session: Session, user: User, gateway: Gateway, form: dict[str, str],
             verify: bool = False) -> PaymentMethod:
    """Check the card and tokenise it; the caller attaches the unsaved method and commits."""
    errors = card_checks.card_problems(form.get("card_number", ""), form.get("card_expiry", ""),
                                       form.get("card_cvc", ""), form.get("card_name", ""),
                                       clock.today())
    if errors:
        raise InvalidInput(errors)
    month, year = card_checks.parse_expiry(form["card_expiry"]) or (0, 0)
    card = CardDetails(card_checks.digits(form["card_number"]), month, year,
                       form["card_cvc"].strip(), form["card_name"].strip())
    user_id = user.id
    session.rollback()  # no transaction may be open while we wait on the gateway
    try:
        saved = gateway.save_card(card)
    except GatewayDeclined as exc:
        raise InvalidInput({"card_number": str(exc)}) from None
    except Exception:  # an outage is a message for the customer, never a 500
        raise InvalidInput({"card_number": "The payment service did not answer. "
                                           "Please try again in a moment."}) from None
    if saved.funding != "credit":
        raise InvalidInput({"card_number": f"{saved.funding.capitalize()} cards are not "
                                           "accepted. Please use a credit card."})
    if verify:
        _verify(gateway, saved.token)
    return PaymentMethod(user_id=user_id, kind="card", gateway=gateway.name, token=saved.token,
                         brand=saved.brand, last4=saved.last4, exp_month=saved.exp_month,
                         exp_year=saved.exp_year, created_at=clock.now())


def _verify(gateway: Gateway, token: str) -> None:
    """A 1.00 USD authorisation, voided at once, proves the card works (R-CHK-6)."""
    key = idempotency.card_key("verify", token)
    try:
        result = gateway.authorize(token, 100, key)
    except Exception:
        result = None
    if result is None or not result.ok:
        raise InvalidInput({"card_number": "Your card could not be verified. "
                                           "Please use another card."})
    gateway.void(result.ref, idempotency.card_key("void", token))


def approved_method(session: Session, user_id: int, gateway: Gateway, method: str,
                    token: str, reference: str) -> PaymentMethod:
    """The unsaved method the customer approved on the provider's page (PayPal, hosted
    cards); NotAllowed when the provider did not approve it or it is not accepted."""
    session.rollback()  # no transaction may be open while we wait on the gateway
    try:
        saved = gateway.finish_setup(method, token, reference)
    except GatewayDeclined as exc:
        raise MethodRefused(str(exc), code="not_approved") from None
    except Exception:  # an outage is a message for the customer, never a 500
        raise ProviderUnavailable("The payment service did not answer. Please try again.") from None
    if saved.funding != "credit":
        raise MethodRefused(f"{saved.funding.capitalize()} cards are not accepted. "
                            "Please use a credit card.", code="not_credit")
    if saved.kind == "card" and saved.brand not in card_checks.BRANDS:
        raise MethodRefused("We accept " + ", ".join(card_checks.BRANDS) + ".", code="brand")
    return PaymentMethod(user_id=user_id, kind=saved.kind, gateway=gateway.name,
                         token=saved.token, brand=saved.brand, last4=saved.last4,
                         exp_month=saved.exp_month or None, exp_year=saved.exp_year or None,
                         created_at=clock.now())


def is_expired(method: PaymentMethod, today: date | None = None) -> bool:
    """A card works to the end of its expiry month (at the store's clock)."""
    if not method.exp_year or not method.exp_month:
        return False
    today = today or clock.today()
    return (method.exp_year, method.exp_month) < (today.year, today.month)


def copy_of(method: PaymentMethod, saved: bool) -> PaymentMethod:
    """A copy of the method: the saved one for next time, or an order's own."""
    return PaymentMethod(user_id=method.user_id, kind=method.kind, gateway=method.gateway,
                         token=method.token, brand=method.brand, last4=method.last4,
                         exp_month=method.exp_month, exp_year=method.exp_year,
                         created_at=clock.now(), saved_at=clock.now() if saved else None)


def keep(session: Session, method: PaymentMethod) -> PaymentMethod:
    """Save a copy for next time (the customer consented); the same card saved before is
    replaced, so the list never shows one card twice. The caller commits."""
    for old in listed(session, method.user_id or 0):
        if (old.gateway, old.kind, old.brand, old.last4, old.exp_month, old.exp_year) == (
                method.gateway, method.kind, method.brand, method.last4, method.exp_month,
                method.exp_year):
            old.saved_at = None
    saved = copy_of(method, saved=True)
    session.add(saved)
    return saved


def listed(session: Session, user_id: int) -> list[PaymentMethod]:
    """Every method the customer saved, the default (most recently chosen) first."""
    return list(session.scalars(
        select(PaymentMethod).where(PaymentMethod.user_id == user_id,
                                    PaymentMethod.saved_at.is_not(None))
        .order_by(PaymentMethod.saved_at.desc(), PaymentMethod.id.desc())))


def offered(session: Session, user_id: int, gateway: str | None = None
            ) -> list[PaymentMethod]:
    """The saved methods the payment step offers: unexpired, of this gateway, default first."""
    today = clock.today()
    return [m for m in listed(session, user_id)
            if not is_expired(m, today) and (gateway is None or m.gateway == gateway)]


def _own(session: Session, user: User, method_id: int) -> PaymentMethod:
    found = session.get(PaymentMethod, method_id)
    if found is None or found.user_id != user.id or found.saved_at is None:
        raise NotFound("No such saved payment method.")
    return found


def use_saved(session: Session, checkout: Checkout, user: User, method_id: int,
              gateway: str | None = None) -> PaymentMethod:
    """Pay this checkout with a saved, unexpired method: the order gets its own copy."""
    chosen = next((m for m in offered(session, user.id, gateway) if m.id == method_id), None)
    if chosen is None:
        raise NotFound("That saved card can no longer be used. Please choose another.")
    method = copy_of(chosen, saved=False)
    checkout.payment_method = method
    session.commit()
    return method


def make_default(session: Session, user: User, method_id: int) -> None:
    """The customer's pick becomes the default (offered first)."""
    _own(session, user, method_id).saved_at = clock.now()
    session.commit()


def remove(session: Session, user: User, method_id: int) -> None:
    """Forget a saved method; orders keep their own copies, untouched."""
    _own(session, user, method_id).saved_at = None
    session.commit()
