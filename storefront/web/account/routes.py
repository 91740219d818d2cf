"""My Account: order history, order detail, and what a customer may do with an order."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from storefront.extensions import db, limiter
from storefront.models import ADDRESS_FIELDS, Order, User
from storefront.payments import setup as gateways
from storefront.services import (
    accounts,
    addresses,
    aftercare,
    deletion,
    fulfilment,
    order_payments,
    orders,
    payment_methods,
    refunds,
    states,
    watching,
)
from storefront.services.errors import InvalidInput, NotFound, ServiceError
from storefront.web.account import bp
from storefront.web.plumbing import throttle
from storefront.web.plumbing.rendering import (
    form_values,
    int_arg,
    leave_site,
    page,
    rules,
    see_other,
)
from storefront.web.plumbing.transactions import reads_only

CARD_FIELDS = ("card_number", "card_expiry", "card_cvc", "card_name")


@bp.get("/")
@reads_only
def orders_page() -> str:
    """Order history: number, date, status, total (R-CHK-8); watched products and coming
    releases (issue 15)."""
    return page("account/orders.html", orders=orders.history(db.session, current_user.id),
                watched=watching.watched(db.session, current_user.id),
                upcoming=watching.upcoming_releases(db.session, current_user.id))


def _own(number: str) -> Order:
    """The signed-in customer's order; anyone else's is 404."""
    try:
        return orders.get_for_customer(db.session, current_user.id, number[:20])
    except NotFound:
        abort(404)


def _order_page(number: str, *, form: str = "", errors: dict | None = None,
                values: dict | None = None, refused: str = "", status: int = 200
                ) -> tuple[str, int]:
    """The order page with the actions that apply to it now; `form` names the one to reopen."""
    order = _own(number)
    # Flask-Login caches the user on g, possibly from a closed session: read the book here.
    me = accounts.load_user(db.session, current_user.id)
    saved = [a for a in me.addresses if a.country == me.region] if me else []
    given_back = refunds.of_order(db.session, order.id)
    return page("account/order.html", order=order, address_lines=addresses.lines,
                refund_word=refunds.status_word(given_back),
                cards_typed=gateways.current().collects_cards,
                refund_pending=sum(r.amount_cents for r in given_back
                                   if r.status != refunds.SUCCEEDED),
                expected=fulfilment.expected_ship_date(order),
                locked=aftercare.address_locked(order),
                cancel_refusal=aftercare.cancel_refusal(order),
                reasons=aftercare.CANCEL_REASONS, saved=saved, form=form,
                errors=errors or {}, values=values or {}, refused=refused), status


def _done(number: str, message: str) -> Response:
    """Post/Redirect/Get back to the order page with a success flash."""
    flash(message, "success")
    return see_other(url_for("account.order", number=number))


def _refused(number: str, exc: ServiceError, **context: Any) -> tuple[str, int]:
    """A rule said no: nothing is kept, the page says why (422)."""
    db.session.rollback()
    if isinstance(exc, InvalidInput):
        return _order_page(number, errors=exc.errors, status=422, **context)
    if "refused" not in context:
        flash(exc.message, "error")
    return _order_page(number, status=422, **context)


@bp.get("/orders/<number>")
@reads_only
def order(number: str) -> tuple[str, int]:
    """One order with its lines, addresses, payment, timeline and actions; others' are 404."""
    return _order_page(number)


@bp.post("/orders/<number>/address")
def change_address(number: str) -> Response | tuple[str, int]:
    """Ship this order to a saved or a new address, until the date is confirmed (R-SHP-4)."""
    found = _own(number)
    values = form_values(*ADDRESS_FIELDS, "address_id")
    address_id = int_arg(values["address_id"], 0) or None
    try:
        aftercare.change_address(db.session, found, current_user, values, address_id)
    except ServiceError as exc:
        return _refused(number, exc, form="address", values=values)
    return _done(found.number, "The shipping address of this order has been changed.")


@bp.route("/orders/<number>/payment", methods=["GET", "POST"])
def update_payment(number: str) -> Response | tuple[str, int]:
    """Update Payment with a typed card: before the charge it replaces the card; after a
    failed charge it is charged at once (R-PAY-4, R-PAY-5)."""
    found = _own(number)
    if not states.can_update_payment(found):
        flash("This order has no payment to update.", "info")
        return see_other(url_for("account.order", number=found.number))
    gateway = gateways.current()
    typed = gateway.collects_cards and _method_of(found) == "card"
    if request.method == "GET" or not typed:
        return _payment_page(found)
    card = form_values(*CARD_FIELDS)
    try:
        method = payment_methods.new_card(db.session, current_user, gateway, card)
        charged = order_payments.update_payment(db.session, gateway, found, method,
                                                rules().base_url)
    except InvalidInput as exc:
        db.session.rollback()
        kept = {"card_name": card["card_name"], "card_expiry": card["card_expiry"]}
        return _payment_page(_own(number), exc.errors, kept, 422)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return see_other(url_for("account.order", number=number))
    return _done(number, _thanks(charged))


def _method_of(found: Order) -> str:
    return found.payment_method.kind if found.payment_method else "card"


def _reference(found: Order) -> str:
    """What the provider's approval is tied to: this customer's this order."""
    return f"order:{found.user_id}:{found.number}"


def _thanks(charged: bool) -> str:
    return ("Thank you: your payment went through." if charged else
            "Your new payment details are saved; we charge them on the shipping date.")


@bp.post("/orders/<number>/payment/provider")
def payment_at_provider(number: str) -> Response:
    """PayPal (or the provider's hosted card page): approve again there, same method."""
    found = _own(number)
    if not states.can_update_payment(found):
        flash("This order has no payment to update.", "info")
        return see_other(url_for("account.order", number=found.number))
    method = _method_of(found)
    try:
        url = gateways.current().start_setup(
            method, reference=_reference(found),
            return_url=url_for("account.payment_approved", number=found.number,
                               _external=True),
            cancel_url=url_for("account.payment_not_approved", number=found.number,
                               _external=True))
    except Exception:  # the provider is down or refused: say so, change nothing
        db.session.rollback()
        flash("The payment service is not available right now. Please try again.", "error")
        return see_other(url_for("account.order", number=found.number))
    return leave_site(url)


@bp.get("/orders/<number>/payment/approved")
def payment_approved(number: str) -> Response:
    """Back from the provider: the approved details pay (or will pay) this order."""
    found = _own(number)
    gateway = gateways.current()
    try:
        method = payment_methods.approved_method(
            db.session, current_user.id, gateway, _method_of(found),
            request.args.get("token", "")[:4000], _reference(found))
        charged = order_payments.update_payment(db.session, gateway, _own(number), method,
                                                rules().base_url)
    except InvalidInput as exc:
        db.session.rollback()
        flash(next(iter(exc.errors.values()), exc.message), "error")
        return see_other(url_for("account.order", number=number))
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return see_other(url_for("account.order", number=number))
    return _done(number, _thanks(charged))


@bp.get("/orders/<number>/payment/cancelled")
def payment_not_approved(number: str) -> Response:
    """Cancelled at the provider: nothing changed."""
    found = _own(number)
    flash("Nothing changed: the payment details were not approved.", "error")
    return see_other(url_for("account.order", number=found.number))


def _payment_page(found: Order, errors: dict | None = None, values: dict | None = None,
                  status: int = 200) -> tuple[str, int]:
    return page("account/payment.html", order=found, errors=errors or {},
                values=values or {}, method=_method_of(found),
                typed=gateways.current().collects_cards), status


@bp.post("/orders/<number>/cancel")
def cancel(number: str) -> Response | tuple[str, int]:
    """Cancel a preorder where the rules allow; anything paid is refunded (R-RET-3)."""
    found = _own(number)
    reason = request.form.get("reason", "")[:40]
    try:
        aftercare.cancel(db.session, gateways.current(), found, current_user, reason,
                         rules().base_url)
    except InvalidInput as exc:
        return _refused(number, exc, form="cancel", values={"reason": reason})
    except ServiceError as exc:
        return _refused(number, exc, form="cancel", values={"reason": reason},
                        refused=exc.message)
    return _done(number, "Your order has been cancelled. We have emailed you the details.")


@bp.post("/orders/<number>/exchange")
def request_exchange(number: str) -> Response | tuple[str, int]:
    """Ask to replace a defective item of a shipped order (R-RET-1, R-RET-2)."""
    found = _own(number)
    reason = request.form.get("reason", "")[:2000]
    try:
        aftercare.request_exchange(db.session, found, current_user, reason)
    except ServiceError as exc:
        return _refused(number, exc, form="exchange", values={"reason": reason})
    return _done(number, "Your exchange request has been sent. We will email you once "
                         "it is approved.")



def _delete_page(me: User, errors: dict | None = None, status: int = 200) -> tuple[str, int]:
    return page("account/delete.html", me=me, blocking=deletion.blocking_orders(db.session, me),
                errors=errors or {}), status


@bp.route("/delete", methods=["GET", "POST"])
@limiter.limit(throttle.address_limit, methods=["POST"])
def delete_account() -> Response | tuple[str, int]:
    """Delete the account: refused while orders are unshipped, naming them (R-ACC-8)."""
    me = accounts.load_user(db.session, current_user.id)
    if me is None:
        abort(404)
    if request.method == "GET":
        return _delete_page(me)
    try:
        deletion.delete_account(db.session, me, password=request.form.get("password", "")[:500],
                                confirmed=bool(request.form.get("confirm")),
                                base_url=rules().base_url)
    except deletion.DeletionBlocked:
        db.session.rollback()
        return _delete_page(me, status=409)
    except InvalidInput as exc:
        db.session.rollback()
        return _delete_page(me, exc.errors, 422)
    logout_user()
    session.clear()
    flash("Your account has been deleted. We have sent a last email to confirm it.", "info")
    return see_other(url_for("shop.index"))
