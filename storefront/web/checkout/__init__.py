"""The checkout (templates/checkout/): shipping, payment, billing, confirm, and the
confirmation; the payment provider's side of it: the test gateway's hosted PayPal page
(test gateway only) and Stripe's webhook (Stripe only, signed by Stripe instead of CSRF)."""
from __future__ import annotations

from flask import Blueprint, Flask

from storefront.extensions import csrf

bp = Blueprint("checkout", __name__, url_prefix="/checkout")

from storefront.web.checkout import routes, stripe_webhook, testpay  # noqa: E402,F401,I001


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if app.config["PAYMENT_GATEWAY"] == "test":
        app.register_blueprint(testpay.bp)
    if app.config["PAYMENT_GATEWAY"] == "stripe":
        app.register_blueprint(stripe_webhook.bp)
        csrf.exempt(stripe_webhook.bp)  # signed by Stripe instead
