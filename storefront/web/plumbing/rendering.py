"""Helpers every area shares: rendering pages or their fragments, redirects, owners."""
from __future__ import annotations

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
from flask.globals import request_ctx
from flask_login import current_user
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response as BaseResponse

from storefront.extensions import db, htmx
from storefront.services import cart as carts
from storefront.services.checkout_steps import Rules


def fragment_target() -> str | None:
    """The element an htmx request will swap, if the page should answer with a fragment."""
    if not htmx or htmx.history_restore_request:
        return None
    # htmx 4 names the target `tag#id` ("main#main"); htmx 2 and QA scripts send the bare id
    return (htmx.target or "").rpartition("#")[2] or None


def page(template: str, **context: Any) -> str:
    """The whole page, or only the block named after the htmx target (style: fragments).
    A fragment for #main also carries the page's <title> (htmx sets it), the header's cart
    count and, after a sign-in or out, the header, so one answer updates all of them."""
    target = fragment_target()
    if target:
        block = target.replace("-", "_")
        if block in current_app.jinja_env.get_template(template).blocks:
            html = render_block(template, block, **context)
            if block == "main":
                html = _main_extras(template, context) + html
            return html + str(announcement())
    return render_template(template, **context)


def _main_extras(template: str, context: dict[str, Any]) -> str:
    blocks = current_app.jinja_env.get_template(template).blocks
    title = render_block(template, "title", **context).strip() if "title" in blocks else ""
    extras = f"<title>{title} · Storefront</title>" if title else ""
    if g.get("header_changed"):  # its line breaks and indents cost bytes on a slow link
        return extras + re.sub(r"\n\s*", "", render_template("_header.html", oob=True))
    count = render_template("_cart_count.html", oob=True)
    return extras + count


def announce(text: str) -> None:
    """Say `text` in the page's polite live region when this htmx answer is swapped in."""
    g.announce = text


def announcement() -> Markup:
    """The out-of-band swap that fills the live region (empty for whole pages)."""
    text = g.get("announce")
    if not text or not fragment_target():
        return Markup("")
    return Markup('<p hx-swap-oob="innerHTML:#announce">%s</p>') % escape(text)


def show(url: str, retarget: bool = False) -> BaseResponse:
    """The page at `url` (a path on this site) as this request's answer, with no redirect:
    for htmx its fragment and HX-Push-Url, else the whole page under the current URL."""
    ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
    outer = ctx.request
    cookies = outer.headers.get("Cookie", "")
    name = current_app.config["SESSION_COOKIE_NAME"]
    if session and name not in outer.cookies:  # a session begun by this request (a sign-in)
        cookies = f"{cookies}; {name}=new" if cookies else f"{name}=new"
    headers = [("Cookie", cookies)]
    if fragment_target():
        headers += [("HX-Request", "true"), ("HX-Target", "main")]
    environ = EnvironBuilder(path=url, method="GET", headers=headers,
                             environ_base={"REMOTE_ADDR": outer.remote_addr or ""},
                             base_url=outer.host_url).get_environ()
    inner = current_app.request_class(environ)
    adapter = current_app.create_url_adapter(inner)
    assert adapter is not None
    inner.url_rule, view_args = adapter.match(return_rule=True)
    inner.view_args = dict(view_args)
    g.pop("cart", None)
    g.pop("csrf_token", None)
    ctx.request = inner
    try:
        response = current_app.make_response(_run_view())
    finally:
        ctx.request = outer
    if target := fragment_target():
        response.headers.setdefault("HX-Push-Url", url)
        if retarget and target != "main":  # a form that swaps a part of the page
            response.headers["HX-Retarget"] = "#main"
            response.headers["HX-Reswap"] = "innerHTML"
    return response


def _run_view() -> Any:
    """The matched view of the (inner) request with its blueprints' before_request hooks
    (the app's own ran for the request this answers)."""
    app = current_app
    for name in reversed(request.blueprints):
        for hook in app.before_request_funcs.get(name, ()):
            answer = app.ensure_sync(hook)()
            if answer is not None:
                return answer
    return app.dispatch_request()


def see_other(url: str) -> BaseResponse:
    """Post/Redirect/Get: 303 for forms; for htmx, the next page's fragment at once."""
    if fragment_target():
        return show(url, retarget=True)
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
