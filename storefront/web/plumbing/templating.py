"""Template filters and globals every area's pages use: money, dates, machine-readable
times, meta descriptions and JSON-LD, the header's cart count."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_login import current_user
from markupsafe import Markup

from storefront.services import accounts, orders, states
from storefront.services import cart as carts
from storefront.services.money import usd
from storefront.web.plumbing.rendering import has_session, request_cart, signed_in


def init_app(app: Flask) -> None:
    app.jinja_env.filters["usd"] = usd
    app.jinja_env.filters["day"] = lambda d: d.strftime("%B %-d, %Y") if d else ""
    app.jinja_env.filters["iso"] = datetime_attr
    app.jinja_env.filters["meta"] = meta_text
    app.jinja_env.filters["ld_json"] = ld_json
    app.jinja_env.globals["country_name"] = accounts.country_name
    app.jinja_env.globals["countries"] = accounts.countries
    app.jinja_env.globals["has_session"] = has_session
    app.jinja_env.globals["signed_in"] = signed_in
    app.jinja_env.globals["order_status"] = orders.display_status
    app.jinja_env.globals["can_update_payment"] = states.can_update_payment
    app.context_processor(_header)


def _header() -> dict:
    """The cart count every page shows in its header."""
    return {"cart_count": carts.count(request_cart()), "current_user": current_user}


def datetime_attr(value: datetime | date | None) -> str:
    """A valid `<time datetime>`: whole seconds (HTML allows no microseconds)."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat() if value else ""


def meta_text(text: str, limit: int = 155) -> str:
    """A meta description from free text: one line, at most `limit` characters."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_HTML_SPECIAL = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}


def ld_json(data: dict[str, Any]) -> Markup:
    """JSON for a <script type="application/ld+json">: no character of it can end the
    script or read as markup, not even a quote (stored text is never trusted)."""
    text = _JSON_STRING.sub(lambda m: '"' + m.group(1).replace('\\"', "\\u0022") + '"',
                            json.dumps(data, ensure_ascii=False))
    for char, escaped in _HTML_SPECIAL.items():
        text = text.replace(char, escaped)
    return Markup(text)
