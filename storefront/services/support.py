"""Customer support messages: to the support inbox, with a copy to the customer."""
from __future__ import annotations

from sqlalchemy.orm import Session

from storefront.services import mail
from storefront.services.accounts import EMAIL_RE, normal_email
from storefront.services.errors import InvalidInput

LIMITS = {"name": 200, "email": 254, "order_number": 20, "message": 5000}


def contact(session: Session, *, support_email: str, name: str, email: str,
            order_number: str, message: str) -> None:
    """Queue the message to support and the acknowledgement to the customer."""
    email = normal_email(email)
    given = {"name": name, "email": email, "order_number": order_number, "message": message}
    errors = {f: f"At most {n} characters." for f, n in LIMITS.items() if len(given[f]) > n}
    if not name.strip():
        errors["name"] = "Please tell us your name."
    if not EMAIL_RE.match(email):
        errors["email"] = "Enter a valid email address so we can answer."
    if len(message.strip()) < 10:
        errors["message"] = "Please describe your question (at least 10 characters)."
    if errors:
        raise InvalidInput(errors)
    context = {"name": " ".join(name.split()), "email": email,
               "order_number": order_number.strip(), "message": message.strip()}
    mail.queue(session, support_email, "support_request", context, reply_to=email)
    mail.queue(session, email, "support_received", context)
    session.commit()
