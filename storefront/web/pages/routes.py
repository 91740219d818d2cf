"""The shop's guide in our own words, Terms, Privacy, and the contact form."""
from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from storefront.extensions import db, limiter
from storefront.services import support
from storefront.services.errors import InvalidInput
from storefront.web.pages import bp
from storefront.web.plumbing.rendering import form_values, page, see_other
from storefront.web.plumbing.transactions import reads_only

GUIDE = {
    "how-to-order": "How to order",
    "payment": "Payment",
    "shipping": "Shipping and fees",
    "cancellations": "Cancellations and returns",
    "account": "Your account",
}


@bp.get("/guide/")
@reads_only
def guide_index() -> str:
    """The ordering guide's table of contents."""
    return page("pages/guide_index.html", guide=GUIDE)


@bp.get("/guide/<section>")
@reads_only
def guide(section: str) -> str:
    """One section of the ordering guide."""
    if section not in GUIDE:
        abort(404)
    return page(f"pages/guide_{section.replace('-', '_')}.html", guide=GUIDE,
                title=GUIDE[section], fees=current_app.config["SHIPPING_FEES"],
                threshold=current_app.config["CHARGE_AT_ORDER_THRESHOLD"])


@bp.get("/terms")
@reads_only
def terms() -> str:
    """Terms of Use (R-ACC-4, R-NTC-1, R-NTC-2)."""
    return page("pages/terms.html")


@bp.get("/privacy")
@reads_only
def privacy() -> str:
    """Privacy Policy (R-ACC-4)."""
    return page("pages/privacy.html")


@bp.route("/contact", methods=["GET", "POST"])
@reads_only
@limiter.limit("5 per minute", methods=["POST"])
def contact() -> Response | str | tuple[str, int]:
    """Write to customer support; we email them and confirm to the customer."""
    values = form_values("name", "email", "order_number", "message")
    if request.method == "GET" and current_user.is_authenticated:
        values["email"] = current_user.email
    if request.method == "POST":
        try:
            support.contact(db.session, support_email=current_app.config["SUPPORT_EMAIL"],
                            **values)
        except InvalidInput as exc:
            db.session.rollback()
            return page("pages/contact.html", values=values, errors=exc.errors), 422
        flash("Thank you. We have received your message and emailed you a copy.", "success")
        return see_other(url_for("pages.contact"))
    return page("pages/contact.html", values=values, errors={})
