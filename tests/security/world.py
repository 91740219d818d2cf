"""What the security tests share: a store with orders in every state, logged-in clients,
the app's routes with their URL variables filled, and the forms its pages really show."""
from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.test import Client

from storefront import clock
from storefront.models import Order, Product, User
from storefront.services import addresses, aftercare, cancelling, fulfilment, passwords
from storefront.web.plumbing.errors import MESSAGES
from tests.builders import US_ADDRESS, VISA, confirm, product, ready_checkout, user

CUSTOMER = ("qa.us@example.com", "Qa-Passw0rd!")
OTHER = ("qa.fr@example.com", "Qa-Passw0rd!")
STAFF = ("staff@example.com", "Staff-Passw0rd!")
FAILS_LATER = VISA | {"card_number": "4000 0000 0000 0341"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
SESSION_COOKIE = "session"


@dataclass
class World:
    """Ids and numbers of the demo data, and of the orders placed for the tests."""
    us_id: int
    fr_id: int
    staff_id: int
    us_address_id: int
    fr_address_id: int
    keychain_id: int
    orders: dict[str, str]  # state -> order number of qa.us
    fr_order: str
    us_checkout: str  # token of qa.us's open checkout, every step done
    us_done_checkout: str  # token of a completed checkout of qa.us
    reset_token: str
    refund_id: int = 0  # a refund of paid_instock waiting for the provider
    coupon: str = "FIVEOFF"
    slug: str = "aurora-knight-figure"

    def url_values(self) -> dict[str, object]:
        """A real value for every URL variable a state-changing route may have."""
        return {"number": self.orders["open_preorder"], "address_id": self.us_address_id,
                "user_id": self.us_id, "product_id": self.keychain_id, "code": self.coupon,
                "slug": self.slug, "token": self.reset_token, "refund_id": self.refund_id,
                "email_id": 1, "position": 0, "method_id": 1}


def _order_of(session, number: str) -> Order:
    session.expire_all()
    return session.scalars(select(Order).where(Order.number == number)).one()


def _place(session, email: str, items: dict[str, int], card=None) -> tuple[str, str]:
    me = user(session, email)
    checkout, seen = ready_checkout(session, me, items, card)
    done = confirm(session, me, checkout, seen)
    return done.orders[0].number, done.token


def build_world(app: Flask, session) -> World:
    """qa.us gets an order in each state the order pages have forms for, a cart with a line,
    and a checkout ready to confirm; qa.fr gets one order."""
    numbers: dict[str, str] = {}
    numbers["open_preorder"], done_token = _place(session, CUSTOMER[0],
                                                  {"aurora-knight-figure": 1})
    numbers["paid_instock"], _ = _place(session, CUSTOMER[0], {"pocket-cat-keychain": 1})
    numbers["shipped"], _ = _place(session, CUSTOMER[0], {"pocket-cat-keychain": 1})
    fulfilment.mark_shipped(session, _order_of(session, numbers["shipped"]), "UPS", "1Z999AA1",
                            actor="staff:test")
    numbers["exchange_waiting"], _ = _place(session, CUSTOMER[0], {"pocket-cat-keychain": 1})
    fulfilment.mark_shipped(session, _order_of(session, numbers["exchange_waiting"]), "UPS",
                            "1Z999AA2", actor="staff:test")
    aftercare.request_exchange(session, _order_of(session, numbers["exchange_waiting"]),
                               user(session, CUSTOMER[0]), "The figure arrived broken in two.")
    numbers["payment_failed"], _ = _place(session, CUSTOMER[0], {"aurora-knight-figure": 1},
                                          FAILS_LATER)
    fulfilment.finalize_shipping_date(session, [_order_of(session, numbers["payment_failed"])],
                                      clock.today() + timedelta(days=30), actor="staff:test")
    fr_order, _ = _place(session, OTHER[0], {"aurora-knight-figure": 1})
    us = user(session, CUSTOMER[0])
    addresses.save_new(session, us, US_ADDRESS)  # a second address: "make default" has a form
    session.commit()
    waiting = cancelling.staff_refund(session, _order_of(session, numbers["paid_instock"]).id,
                                      100, "a goodwill refund", "staff:test")  # no gateway
    open_checkout, _seen = ready_checkout(session, us, {"pocket-cat-keychain": 2})
    session.commit()
    session.expire_all()
    us = user(session, CUSTOMER[0])
    fr = user(session, OTHER[0])
    staff = user(session, STAFF[0])
    world = World(us_id=us.id, fr_id=fr.id, staff_id=staff.id,
                  us_address_id=us.addresses[0].id, fr_address_id=fr.addresses[0].id,
                  keychain_id=product(session, "pocket-cat-keychain").id, orders=numbers,
                  fr_order=fr_order, us_checkout=open_checkout.token,
                  us_done_checkout=done_token,
                  reset_token=passwords.make_token(us, app.config["SECRET_KEY"]),
                  refund_id=waiting.id)
    session.commit()
    return world


# --- clients -----------------------------------------------------------------------------

def logged_in(app: Flask, email: str, password: str) -> Client:
    client = app.test_client()
    page = client.get("/login")
    data = {"email": email, "password": password}
    token = hidden_value(page.get_data(as_text=True), "csrf_token")
    if token:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    assert response.status_code == 303, f"could not log in {email}: {response.status_code}"
    client.get(response.headers["Location"])  # the "You are logged in." flash is shown
    return client


def session_cookie(client: Client) -> str | None:
    cookie = client.get_cookie(SESSION_COOKIE)
    return cookie.value if cookie else None


def clone(app: Flask, client: Client | None) -> Client:
    """A new browser holding the same session cookie (anonymous when client is None)."""
    fresh = app.test_client()
    value = session_cookie(client) if client is not None else None
    if value:
        fresh.set_cookie(SESSION_COOKIE, value)
    return fresh


def hidden_value(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else ""


# --- routes --------------------------------------------------------------------------------

def rules(app: Flask, methods: set[str]) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if r.methods and r.methods & methods),
                  key=lambda r: (r.rule, r.endpoint))


def fill(rule: Rule, values: dict[str, object]) -> str | None:
    """The rule's URL with real values, or None when a variable has no known value."""
    if not set(rule.arguments) <= set(values):
        return None
    return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


def endpoint_of(app: Flask, path: str, method: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method=method)
    except Exception:  # NotFound, MethodNotAllowed, RequestRedirect
        return None
    return endpoint


# --- forms on pages ------------------------------------------------------------------------

@dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    values: list[str] = field(default_factory=list)  # value attributes / options seen


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)
    page: str = ""


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").upper())
            self.forms.append(self._form)
            return
        if self._form is None or tag not in ("input", "select", "textarea", "option", "button"):
            return
        if tag == "option":
            if self._select is not None:
                self._select.values.append(a.get("value", ""))
            return
        name = a.get("name")
        if not name:
            return
        kind = a.get("type", "text").lower() if tag == "input" else tag
        found = self._form.fields.setdefault(name, Field(name, kind))
        if tag in ("input", "button") and "value" in a:
            found.values.append(a["value"])
        if tag == "select":
            self._select = found

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_in(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


def discover_forms(role_browsers: dict[str, Callable[[], Client]], urls: list[str],
                   app: Flask, found: dict[tuple[str, str], dict[str, Form]] | None = None
                   ) -> dict[tuple[str, str], dict[str, Form]]:
    """GET every page as every role (a fresh browser of the role for each page): the forms
    found, by (method, endpoint), then role."""
    found = {} if found is None else found
    for role, browser in role_browsers.items():
        for url in urls:
            response = browser().get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for form in forms_in(response.get_data(as_text=True)):
                form.action = form.action or url
                endpoint = endpoint_of(app, form.action, form.method)
                if endpoint is None:
                    continue
                form.page = url
                known = found.setdefault((form.method, endpoint), {}).get(role)
                if known is None:
                    found[(form.method, endpoint)][role] = form
                else:  # the same form on several pages: keep every field seen
                    for name, f in form.fields.items():
                        known.fields.setdefault(name, f)
    return found


def pages_to_crawl(app: Flask, world: World, paypal_url: str) -> list[str]:
    """Every GET route with its variables filled, each order page, and the pages that need
    a query string (the test gateway's approval page)."""
    values = world.url_values() | {"provider": "google", "method": "paypal",
                                   "section": "how-to-order"}
    urls = []
    for rule in rules(app, {"GET"}):
        if rule.endpoint in ("static", "shop.product_image") or rule.rule.startswith("/_qa"):
            continue
        if "number" in rule.arguments:
            for number in world.orders.values():
                urls.append(fill(rule, values | {"number": number}))
            continue
        url = fill(rule, values | ({"token": world.us_done_checkout}
                                   if rule.endpoint == "checkout.done" else {}))
        if url is not None:
            urls.append(url)
    urls.append(paypal_url)
    return [u for u in urls if u]


# --- responses -----------------------------------------------------------------------------

MESSAGE_MARKERS = ('data-testid="field-error"', 'data-testid="form-errors"',
                   'data-testid="flash" data-level="error"',
                   'data-testid="flash" data-level="info"', 'role="alert"',
                   'class="notice error"', 'data-testid="cancel-refusal"')


def has_message(response) -> bool:
    """A 4xx page says what went wrong: a field error, the form summary, an error or info
    flash (a success flash left from before explains nothing), an alert or error notice (why
    an action no longer applies), or the error page's own sentence."""
    page = response.get_data(as_text=True)
    if any(m in page for m in MESSAGE_MARKERS):
        return True
    text = html.unescape(page)
    return any(sentence in text for _title, sentence in MESSAGES.values()) or \
        "This form has expired" in text


class Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __str__(self) -> str:
        return f"{time.perf_counter() - self.start:.1f}s"


def staff_user(session) -> User:
    return session.scalars(select(User).where(User.email == STAFF[0])).one()


def product_row(session, slug: str) -> Product:
    session.expire_all()
    return session.scalars(select(Product).where(Product.slug == slug)).one()
