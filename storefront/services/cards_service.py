"""A card typed into a form becomes a saved PaymentMethod through the gateway (R-CHK-5)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from storefront.models import PaymentMethod, User
from storefront.payments import CardDetails, Gateway, GatewayDeclined
from storefront.payments import cards as card_checks
from storefront.services import clock
from storefront.services.errors import InvalidInput, NotAllowed


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
    key = f"verify-{token[-24:]}"
    try:
        result = gateway.authorize(token, 100, key)
    except Exception:
        result = None
    if result is None or not result.ok:
        raise InvalidInput({"card_number": "Your card could not be verified. "
                                           "Please use another card."})
    gateway.void(result.ref, f"void-{key}")


def approved_method(session: Session, user_id: int, gateway: Gateway, method: str,
                    token: str, reference: str) -> PaymentMethod:
    """The unsaved method the customer approved on the provider's page (PayPal, hosted
    cards); NotAllowed when the provider did not approve it or it is not accepted."""
    session.rollback()  # no transaction may be open while we wait on the gateway
    try:
        saved = gateway.finish_setup(method, token, reference)
    except GatewayDeclined as exc:
        raise NotAllowed(str(exc)) from None
    except Exception:  # an outage is a message for the customer, never a 500
        raise NotAllowed("The payment service did not answer. Please try again.") from None
    if saved.funding != "credit":
        raise NotAllowed(f"{saved.funding.capitalize()} cards are not accepted. "
                         "Please use a credit card.")
    if saved.kind == "card" and saved.brand not in card_checks.BRANDS:
        raise NotAllowed("We accept " + ", ".join(card_checks.BRANDS) + ".")
    return PaymentMethod(user_id=user_id, kind=saved.kind, gateway=gateway.name,
                         token=saved.token, brand=saved.brand, last4=saved.last4,
                         exp_month=saved.exp_month or None, exp_year=saved.exp_year or None,
                         created_at=clock.now())
