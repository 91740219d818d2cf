"""Choose the gateway named by STOREFRONT_PAYMENT_GATEWAY."""
from __future__ import annotations

from flask import Flask, current_app

from storefront.extensions import db
from storefront.payments.gateway import Gateway
from storefront.payments.testgateway import TestGateway


def init_app(app: Flask) -> None:
    name = app.config["PAYMENT_GATEWAY"]
    gateway: Gateway
    if name == "test":
        gateway = TestGateway(db.registry.session_factory, secret=app.config["SECRET_KEY"])
    elif name == "stripe":
        from storefront.payments.stripegateway import StripeGateway  # only when configured

        gateway = StripeGateway(app.config["STRIPE_SECRET_KEY"])
    else:
        raise RuntimeError(f"Unknown payment gateway {name!r}; the store knows: test, stripe.")
    app.extensions["gateway"] = gateway


def current() -> Gateway:
    return current_app.extensions["gateway"]
