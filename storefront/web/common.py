"""Helpers every blueprint shares: rendering pages or their fragments, redirects, owners."""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from jinja2_fragments.flask import render_block
from werkzeug.wrappers import Response as BaseResponse

from storefront.extensions import db
from storefront.services import cart as carts
from storefront.services.checkout import Rules


def fragment_target() -> str | None:
    """The element an htmx request will swap, if the page should answer with a fragment."""
    if request.headers.get("HX-Request") != "true":
        return None
    if request.headers.get("HX-History-Restore-Request") == "true":
        return None
    return request.headers.get("HX-Target") or None


def page(template: str, **context: Any) -> str:
    """The whole page, or only the block named after the htmx target (style: fragments)."""
    target = fragment_target()
    if target:
        block = target.replace("-", "_")
        if block in current_app.jinja_env.get_template(template).blocks:
            return render_block(template, block, **context)
    return render_template(template, **context)


def see_other(url: str) -> BaseResponse:
    """Post/Redirect/Get: 303 for forms; for htmx, load the next page into #main."""
    if fragment_target():
        response = Response("", 200)
        response.headers["HX-Location"] = json.dumps({"path": url, "target": "#main"})
        return response
    return redirect(url, 303)


def leave_site(url: str) -> BaseResponse:
    """Go to a payment provider's page: a 303, or a full navigation for htmx."""
    if fragment_target():
        response = Response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site may be a `next` redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return default
    return target


def has_session() -> bool:
    """Did the browser send a session cookie? Without one, nothing reads the session, so
    the page holds no session data and a shared cache may keep it (see web._headers)."""
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies


def signed_in() -> bool:
    return has_session() and current_user.is_authenticated


def owner() -> carts.Owner:
    """Whose cart this request works on."""
    if signed_in():
        return carts.Owner(user_id=current_user.id, region=current_user.region)
    return carts.Owner(token=session.get("cart") if has_session() else None)


def request_cart() -> Any:
    """The request's cart, loaded once and shared by the view and the page header."""
    if "cart" not in g:
        whose = owner()
        g.cart = carts.get(db.session, whose) if whose.user_id or whose.token else None
    return g.cart


def remember_cart(cart: Any) -> None:
    """Keep a visitor's cart token in the session; the request now shows this cart."""
    g.cart = cart
    if not current_user.is_authenticated and cart is not None:
        session["cart"] = cart.token


def base_url() -> str:
    """The store's public address (STOREFRONT_BASE_URL), for every link in an email and
    every return address given to a provider: never the request's Host header."""
    return str(current_app.config["BASE_URL"]).rstrip("/")


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute link to one of our pages, under the public address."""
    return base_url() + url_for(endpoint, **values)


def rules() -> Rules:
    cfg = current_app.config
    return Rules(shipping_fees=cfg["SHIPPING_FEES"],
                 charge_at_order_threshold=int(cfg["CHARGE_AT_ORDER_THRESHOLD"]),
                 base_url=base_url())


def form_values(*names: str) -> dict[str, str]:
    """Posted text fields as typed (services check their lengths; nothing is trusted)."""
    return {n: request.form.get(n, "") for n in names}


MAX_ID = 2**31 - 1  # PostgreSQL's integer; larger numbers name nothing


def int_arg(value: Any, default: int = 0) -> int:
    """A whole number from the client, or the default (never beyond the integer range)."""
    text = str(value).strip()
    if not re.fullmatch(r"-?[0-9]{1,10}", text) or abs(int(text)) > MAX_ID:
        return default
    return int(text)
