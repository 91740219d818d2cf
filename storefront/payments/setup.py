"""Choose the gateway named by STOREFRONT_PAYMENT_GATEWAY."""
from __future__ import annotations

from flask import Flask, current_app

from storefront.extensions import db
from storefront.payments.gateway import Gateway
from storefront.payments.testgateway import TestGateway


def init_app(app: Flask) -> None:
    name = app.config["PAYMENT_GATEWAY"]
    if name != "test":
        raise RuntimeError(f"Unknown payment gateway {name!r}; the store knows: test.")
    app.extensions["gateway"] = TestGateway(db.session.session_factory)


def current() -> Gateway:
    return current_app.extensions["gateway"]
