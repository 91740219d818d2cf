"""Checkout steps: shipping address, payment method, billing address, confirm (R-CHK-1)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, flash, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from storefront.extensions import db, login_manager
from storefront.models import ADDRESS_FIELDS, Checkout
from storefront.payments import setup as gateways
from storefront.services import accounts, addresses, checkout_steps, payment_methods, placing
from storefront.services.errors import InvalidInput, NotFound, PaymentFailed, ServiceError
from storefront.services.states import CheckoutStatus
from storefront.web.checkout import bp
from storefront.web.plumbing.rendering import (
    announce,
    form_values,
    int_arg,
    leave_site,
    page,
    public_url,
    request_cart,
    rules,
    see_other,
    show,
)

STEPS = ("shipping", "payment", "billing", "confirm")
STEP_NAMES = {"shipping": "Shipping address", "payment": "Payment", "billing": "Billing address",
              "confirm": "Confirm your order"}


@bp.before_request
def _account_required() -> Response | None:
    """R-ACC-1: an account is required to place an order; a signed-out customer going
    there sees the login page at once (no redirect), which brings them back here."""
    if current_user.is_authenticated:
        return None
    if request.method == "GET":
        flash(login_manager.login_message, login_manager.login_message_category)
        return show(url_for("auth.login", next=request.full_path.rstrip("?")))
    return login_manager.unauthorized()


def _announce_step(step: str) -> None:
    announce(f"Step {STEPS.index(step) + 1} of {len(STEPS)}: {STEP_NAMES[step]}")


def _with_checkout(view: Callable[..., Any]) -> Callable[..., Any]:
    """The view gets the open checkout, started from the cart; when there is none to open
    (an empty cart, a restricted account...), the cart page with the reason instead."""
    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            checkout = checkout_steps.start(db.session, current_user, request_cart())
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, f"error:{exc.code}")
            return see_other(url_for("cart.show"))
        return view(checkout, *args, **kwargs)
    return run


def _step_page(step: str, checkout: Checkout, errors: dict | None = None,
               values: dict | None = None, status: int = 200) -> tuple[str, int]:
    if status == 200:
        _announce_step(step)
    return page(f"checkout/{step}.html", checkout=checkout, step=step, steps=STEPS,
                done=STEPS.index(checkout_steps.next_step(checkout)), errors=errors or {},
                values=values or {}, user=current_user, address_lines=addresses.lines,
                gateway_collects_cards=gateways.current().collects_cards,
                saved_cards=payment_methods.offered(db.session, current_user.id,
                                                    gateways.current().name)), status


@bp.get("/")
@_with_checkout
def begin(checkout: Checkout) -> Response:
    """Proceed to purchase: on to the first step not done yet."""
    return show(url_for(f"checkout.{checkout_steps.next_step(checkout)}"))


@bp.route("/shipping", methods=["GET", "POST"])
@_with_checkout
def shipping(checkout: Checkout) -> Response | tuple[str, int]:
    """Choose a saved address or add one, in the account region (R-ACC-5)."""
    if request.method == "GET":
        return _step_page("shipping", checkout, values={"country": current_user.region})
    values = form_values(*ADDRESS_FIELDS)
    try:
        if request.form.get("address_id"):
            checkout_steps.use_saved_address(db.session, checkout, current_user,
                                             int_arg(request.form["address_id"]))
        else:
            checkout_steps.use_new_address(db.session, checkout, current_user, values)
    except InvalidInput as exc:
        db.session.rollback()
        return _step_page("shipping", checkout, exc.errors, values | {"new": "1"}, 422)
    except (NotFound, ServiceError) as exc:
        db.session.rollback()
        return _step_page("shipping", checkout, {"address_id": exc.message}, values, 422)
    return see_other(url_for("checkout.payment"))


@bp.route("/payment", methods=["GET", "POST"])
@_with_checkout
def payment(checkout: Checkout) -> Response | tuple[str, int]:
    """Pay by credit card through the gateway; only its token is kept (R-CHK-5)."""
    if request.method == "GET":
        return _step_page("payment", checkout)
    gateway = gateways.current()
    chosen = request.form.get("method", "")
    if chosen.startswith("saved-"):
        try:
            payment_methods.use_saved(db.session, checkout, current_user,
                                      int_arg(chosen.removeprefix("saved-")), gateway.name)
        except (NotFound, ServiceError) as exc:
            db.session.rollback()
            return _step_page("payment", checkout, {"method": exc.message}, status=422)
        return see_other(url_for("checkout.billing"))
    method = "paypal" if chosen == "paypal" else "card"
    if method == "paypal" or not gateway.collects_cards:
        return _to_provider(checkout, method)
    card = form_values("card_number", "card_expiry", "card_cvc", "card_name")
    try:
        checkout_steps.use_card(db.session, checkout, current_user, gateway, card,
                                verify=bool(current_app.config["VERIFY_CARDS"]),
                                save=bool(request.form.get("save_card")))
    except InvalidInput as exc:
        db.session.rollback()
        return _step_page("payment", checkout, exc.errors,
                          {"card_name": card["card_name"], "card_expiry": card["card_expiry"]},
                          422)
    return see_other(url_for("checkout.billing"))


def _to_provider(checkout: Checkout, method: str) -> Response | tuple[str, int]:
    """Send the customer to approve PayPal (or a hosted card page); back to the same step."""
    try:
        url = gateways.current().start_setup(
            method, reference=checkout.token,
            return_url=public_url("checkout.approved", method=method),
            cancel_url=public_url("checkout.not_approved", method=method))
    except Exception:  # the provider is down or refused: say so, order nothing
        db.session.rollback()
        flash("The payment service is not available right now. Please try again.", "error")
        return _step_page("payment", checkout, status=503)
    return leave_site(url)


@bp.get("/payment/approved/<method>")
@_with_checkout
def approved(checkout: Checkout, method: str) -> Response:
    """Back from the provider with an approval token."""
    try:
        checkout_steps.use_approved(db.session, checkout, current_user, gateways.current(),
                                    "paypal" if method == "paypal" else "card",
                                    request.args.get("token", "")[:4000])
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, f"error:{exc.code}")
        return see_other(url_for("checkout.payment"))
    flash("PayPal is set as your payment method." if method == "paypal" else
          "Your card is saved for this order.", "success")
    return see_other(url_for("checkout.billing"))


@bp.get("/payment/cancelled/<method>")
def not_approved(method: str) -> Response:
    """Cancelled at the provider: back to the payment step, nothing ordered."""
    flash(("PayPal was cancelled" if method == "paypal" else "The card was not saved")
          + ": nothing was ordered. Please choose a payment method.", "error")
    return see_other(url_for("checkout.payment"))


@bp.route("/billing", methods=["GET", "POST"])
@_with_checkout
def billing(checkout: Checkout) -> Response | tuple[str, int]:
    """Bill the shipping address or another one."""
    if request.method == "GET":
        return _step_page("billing", checkout, values={
            "country": current_user.region,
            "billing": "other" if request.args.get("other") else "same"})
    same = request.form.get("billing", "same") == "same"
    values = form_values(*ADDRESS_FIELDS)
    if not same and "line1" not in request.form:  # "another address" chosen: show its form
        return see_other(url_for("checkout.billing", other=1))
    try:
        checkout_steps.use_billing(db.session, checkout, current_user, same, values)
    except InvalidInput as exc:
        db.session.rollback()
        return _step_page("billing", checkout, exc.errors, values | {"billing": "other"}, 422)
    return see_other(url_for("checkout.confirm"))


@bp.get("/confirm")
@_with_checkout
def confirm(checkout: Checkout) -> Response | tuple[str, int]:
    """Every order the cart will become, its fee and total, and the notices (R-CHK-3/4)."""
    step = checkout_steps.next_step(checkout)
    if step != "confirm":
        return see_other(url_for(f"checkout.{step}"))
    return _confirm_page(checkout)


def _confirm_page(checkout: Checkout, typed: str | None = None, error: str = "",
                  status: int = 200) -> tuple[str, int]:
    if status == 200:
        _announce_step("confirm")
    cart = request_cart()
    plans, coupon_problem = checkout_steps.preview(db.session, checkout, current_user, cart,
                                                   rules())
    return page("checkout/confirm.html", checkout=checkout, plans=plans, step="confirm",
                steps=STEPS, done=3, seen=checkout_steps.fingerprint(cart, checkout.coupon_code),
                grand_total=sum(p.total_cents for p in plans), address_lines=addresses.lines,
                country_name=accounts.country_name,
                coupon_value=checkout.coupon_code if typed is None else typed,
                errors={"coupon_code": error or coupon_problem} if error or coupon_problem
                else {}), status


@bp.post("/coupon")
@_with_checkout
def coupon(checkout: Checkout) -> Response | tuple[str, int]:
    """Apply a coupon code on the confirm page, or remove it (R-CHK-7)."""
    step = checkout_steps.next_step(checkout)
    if step != "confirm":  # the coupon field is on the confirm page: get there first
        flash("Please complete this step first; the coupon goes on the confirm page.", "info")
        return see_other(url_for(f"checkout.{step}"))
    typed = "" if request.form.get("remove") else request.form.get("coupon_code", "")[:100]
    try:
        checkout_steps.use_coupon(db.session, checkout, current_user, typed, rules())
    except ServiceError as exc:
        db.session.rollback()
        return _confirm_page(checkout, typed, exc.message, 422)
    flash("Coupon applied." if typed.strip() else "Coupon removed.", "success")
    return see_other(url_for("checkout.confirm"))


@bp.post("/confirm")
def place() -> Response:
    """Confirm Order, once: a replay lands on the same result (R-CHK-2)."""
    token = request.form.get("checkout", "")[:64]
    try:
        checkout = placing.confirm(db.session, user=current_user, token=token,
                                   seen=request.form.get("seen", "")[:64],
                                   gateway=gateways.current(), rules=rules())
    except NotFound:
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, f"error:{exc.code}")
        return see_other(url_for("checkout.payment" if isinstance(exc, PaymentFailed)
                                 else "cart.show"))
    return see_other(url_for("checkout.done", token=checkout.token))


@bp.get("/done/<token>")
def done(token: str) -> tuple[str, int]:
    """'Your order has been processed successfully...' with every order number."""
    try:
        checkout = checkout_steps.by_token(db.session, current_user, token[:64])
    except NotFound:
        abort(404)
    if checkout.status == CheckoutStatus.OPEN:
        abort(404)
    announce("Order placed")
    return page("checkout/done.html", checkout=checkout), 200
