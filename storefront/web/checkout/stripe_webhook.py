"""Stripe's webhook endpoint: POST /payments/stripe/webhook, signed with the endpoint's
secret (STOREFRONT_STRIPE_WEBHOOK_SECRET). A bad or missing signature is a 400; a good event
is processed once (services.webhooks) and answered 200, so Stripe stops retrying it."""
from __future__ import annotations

import json
import logging

from flask import Blueprint, abort, current_app, jsonify, request
from stripe import SignatureVerificationError, WebhookSignature
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.payments import setup as gateways
from storefront.services import webhooks
from storefront.web.plumbing.rendering import rules

bp = Blueprint("stripe_webhook", __name__, url_prefix="/payments/stripe")
log = logging.getLogger(__name__)


@bp.post("/webhook")
def receive() -> tuple[Response, int]:
    """Verify Stripe's signature, then act on the event once."""
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    if not secret:
        abort(404)
    payload = request.get_data(as_text=True)
    try:
        WebhookSignature.verify_header(payload, request.headers.get("Stripe-Signature"),
                                       secret, tolerance=300)
        event = json.loads(payload)
    except (SignatureVerificationError, ValueError):
        return jsonify({"error": "bad signature or payload"}), 400
    if not isinstance(event, dict):
        return jsonify({"error": "not an event"}), 400
    outcome = webhooks.handle(db.session, gateways.current(), event,
                              base_url=rules().base_url)
    log.info("stripe event %s (%s): %s", event.get("id"), event.get("type"), outcome)
    return jsonify({"received": True, "outcome": outcome}), 200
