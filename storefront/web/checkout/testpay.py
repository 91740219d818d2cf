"""The test gateway's own pages: a local PayPal approval with Approve and Cancel.

Served only while STOREFRONT_PAYMENT_GATEWAY is "test" (development, tests, QA mode)."""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, redirect, render_template, request
from werkzeug.wrappers import Response

from storefront.payments import GatewayDeclined
from storefront.payments import setup as gateways
from storefront.web.plumbing.rendering import safe_next

bp = Blueprint("testpay", __name__, url_prefix="/_test-gateway")


def _ticket() -> tuple[str, dict[str, str]]:
    ticket = request.values.get("ticket", "")[:2000]
    try:
        return ticket, gateways.current().read_ticket(ticket)  # type: ignore[attr-defined]
    except GatewayDeclined:
        abort(400)


@bp.get("/paypal")
def paypal() -> str:
    """'Log in to PayPal and approve': the two buttons QA scripts click."""
    ticket, _data = _ticket()
    return render_template("checkout/test_gateway.html", ticket=ticket)


@bp.post("/paypal")
def decide() -> Response:
    """Approve: back to the store with a token; Cancel: back with nothing."""
    ticket, data = _ticket()
    if request.form.get("decision") == "approve":
        token = gateways.current().approval_token(ticket)  # type: ignore[attr-defined]
        return redirect(f"{_local(data['ok'])}?{urlencode({'token': token})}", 303)
    return redirect(_local(data["no"]), 303)


def _local(url: str) -> str:
    """Only back to this store (the URLs are signed, but stay careful)."""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return "/"
    return safe_next(parts.path, "/")
