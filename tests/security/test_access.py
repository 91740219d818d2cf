"""Who may see and do what (issue 7, item 7): every route under /account, /checkout and /admin
(from app.url_map, every method) tried as an anonymous visitor, as another customer, and as a
customer on staff pages; and logins are throttled."""
from __future__ import annotations

from sqlalchemy import select

from storefront import create_app
from storefront.extensions import limiter
from storefront.models import Address, Order
from tests.builders import VISA
from tests.security.world import (
    CUSTOMER,
    OTHER,
    STAFF,
    World,
    build_world,
    clone,
    fill,
    logged_in,
    rules,
)
from tests.support.app import settings

PREFIXES = ("/account", "/checkout", "/admin")
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
# Variables that name something of one customer: another customer gets a 404 for them.
OWNED = {"number", "address_id", "token"}
# What each owned action would need to succeed, so a hole would show as a changed order.
WOULD_SUCCEED = {
    "account.change_address": {"address_id": "", "full_name": "Intruder", "line1": "1 Rue",
                               "city": "Paris", "postal_code": "75001", "country": "FR"},
    "account.cancel": {"reason": "mistake"},
    "account.request_exchange": {"reason": "Broken on arrival, please replace it."},
    "account.update_payment": VISA,
    "account.address_edit": {"full_name": "Intruder", "line1": "1 Rue", "city": "Paris",
                       "postal_code": "75001", "country": "FR"},
}


def owned_urls(rule, world: World, values: dict) -> list[str]:
    """The rule's URLs naming each of qa.us's things its variables can name."""
    if "number" in rule.arguments:
        urls = [fill(rule, values | {"number": n}) for n in world.orders.values()]
    elif "token" in rule.arguments:
        urls = [fill(rule, values | {"token": world.us_done_checkout})]
    else:
        urls = [fill(rule, values)]
    assert all(urls), (f"{rule.rule}: a URL variable has no demo value; add one to "
                       "World.url_values so the route is tried, not skipped")
    return urls


def secrets_of_us(session, world: World) -> list[str]:
    """What of qa.us must never show in another customer's page."""
    return [CUSTOMER[0], "350 Fifth Avenue", "Quinn Avery", world.us_checkout,
            world.us_done_checkout, *world.orders.values()]


def snapshot(session, world: World) -> dict:
    session.expire_all()
    orders = session.scalars(select(Order).where(Order.user_id == world.us_id)).all()
    book = session.scalars(select(Address).where(Address.user_id == world.us_id)).all()
    state = {o.number: (o.status, o.payment_status, str(o.shipping_address), len(o.exchanges),
                        o.payment_method_id) for o in orders}
    state["book"] = sorted((a.id, a.full_name, a.line1, a.is_default) for a in book)
    session.rollback()
    return state


def test_account_checkout_and_admin_routes_send_anonymous_visitors_to_login(app, session):
    world = build_world(app, session)
    values = world.url_values() | {"method": "paypal"}
    tried, leaks = [], []
    for rule in rules(app, METHODS):
        if not rule.rule.startswith(PREFIXES):
            continue
        for method in sorted(rule.methods & METHODS):
            for url in owned_urls(rule, world, values):
                response = app.test_client().open(url, method=method)
                tried.append(f"{method} {url}")
                body = response.get_data(as_text=True)
                location = response.headers.get("Location", "")
                # The checkout shows the login page in place (no redirect chain, issue 13).
                asked_in_place = response.status_code == 200 and url.startswith("/checkout") \
                    and method == "GET" and 'data-testid="login-form"' in body
                if not asked_in_place and (response.status_code not in (302, 303)
                                           or not location.startswith("/login")):
                    leaks.append(f"{method} {url}: {response.status_code} {location}")
                leaks += [f"{method} {url} shows {s}" for s in secrets_of_us(session, world)
                          if s in body and s not in url]  # the redirect names the URL asked
    summary = (f"access (anonymous): {len(tried)} requests on {len(set(tried))} account, "
               f"checkout and admin URLs, every one sent to log in; {len(leaks)} leaks")
    print(summary)
    assert tried and not leaks, summary + "\n" + "\n".join(leaks)


def test_another_customer_gets_404_for_orders_addresses_and_checkouts_not_theirs(app, session):
    world = build_world(app, session)
    before = snapshot(session, world)
    owner, other = logged_in(app, *CUSTOMER), logged_in(app, *OTHER)
    values = world.url_values() | {"method": "paypal"}
    secrets = secrets_of_us(session, world)
    owned, unowned, problems = 0, 0, []
    for rule in rules(app, METHODS):
        if not rule.rule.startswith(("/account", "/checkout")):
            continue
        for method in sorted(rule.methods & METHODS):
            data = WOULD_SUCCEED.get(rule.endpoint, {})
            for url in owned_urls(rule, world, values):
                response = clone(app, other).open(url, method=method, data=data)
                body = response.get_data(as_text=True)
                problems += [f"{method} {url} shows qa.us's {s}" for s in secrets if s in body]
                if OWNED & set(rule.arguments):
                    owned += 1
                    if response.status_code != 404:
                        problems.append(f"{method} {url}: {response.status_code}, not 404")
                    if method == "GET":  # the URL is right: its owner sees the page
                        mine = clone(app, owner).get(url)
                        if mine.status_code not in (200, 303):
                            problems.append(f"owner GET {url}: {mine.status_code}")
                else:
                    unowned += 1
                    if response.status_code >= 500:
                        problems.append(f"{method} {url}: {response.status_code}")
    foreign_checkout = clone(app, other).post("/checkout/confirm", data={
        "checkout": world.us_checkout, "seen": "x"})
    if foreign_checkout.status_code != 404:
        problems.append(f"POST /checkout/confirm with qa.us's checkout token: "
                        f"{foreign_checkout.status_code}, not 404")
    after = snapshot(session, world)
    if after != before:
        problems.append(f"qa.us's orders or address book changed: {before} -> {after}")
    summary = (f"access (another customer): {owned} requests for qa.us's orders, addresses and "
               f"checkouts all 404 (their owner's GETs 200), {unowned} requests on routes "
               f"naming nothing of anyone showed none of qa.us's data; confirming qa.us's "
               f"checkout 404; qa.us's orders and address book unchanged")
    print(summary)
    assert not problems, summary + "\n" + "\n".join(problems)


def test_customers_get_404_on_every_staff_page(app, session):
    world = build_world(app, session)
    values = world.url_values()
    customer, staff = logged_in(app, *CUSTOMER), logged_in(app, *STAFF)
    before = snapshot(session, world)
    tried, problems = 0, []
    for rule in rules(app, METHODS):
        if not rule.rule.startswith("/admin"):
            continue
        url = fill(rule, values)
        assert url is not None, f"no demo value for a variable of {rule.rule}"
        for method in sorted(rule.methods & METHODS):
            response = clone(app, customer).open(url, method=method, data={
                "reason": "x" * 20, "shipping_date": "2099-01-01", "carrier": "UPS",
                "tracking_number": "1Z", "active": "0", "name": "Hijacked"})
            tried += 1
            body = response.get_data(as_text=True)
            if response.status_code != 404:
                problems.append(f"{method} {url}: {response.status_code}, not 404")
            if OTHER[0] in body or world.fr_order in body:
                problems.append(f"{method} {url} shows another customer's data")
            if method == "GET" and clone(app, staff).get(url).status_code != 200:
                problems.append(f"staff GET {url} is not 200: the URL is not a real page")
    if snapshot(session, world) != before:
        problems.append("a customer's request on a staff page changed an order")
    summary = (f"access (customer on staff pages): {tried} requests on every /admin route, "
               f"all 404 (staff get 200 on the same GET URLs), nothing changed")
    print(summary)
    assert tried and not problems, summary + "\n" + "\n".join(problems)


def test_logins_are_throttled_with_the_production_limit(database_url, app):
    throttled = create_app(settings(database_url, RATELIMIT_ENABLED=True))
    limit = int(throttled.config["LOGIN_RATE_LIMIT"].split()[0])
    client = throttled.test_client()
    try:
        # Each wrong password names another account, so only the per-address limit counts
        # (the per-account one is proven in test_throttles.py).
        wrong = [client.post("/login", data={"email": f"guess{i}@example.com",
                                             "password": "Wrong-Pass1!"}).status_code
                 for i in range(limit)]
        right = client.post("/login", data={"email": CUSTOMER[0], "password": CUSTOMER[1]})
        forgot = [client.post("/password/forgot", data={"email": CUSTOMER[0]}).status_code
                  for _ in range(limit + 1)]
        page = right.get_data(as_text=True)
    finally:  # the limiter is one object shared by every app in this process
        limiter.reset()
        limiter.enabled = False
    summary = (f"throttled login: {limit} wrong passwords -> {sorted(set(wrong))}, then the "
               f"right one -> {right.status_code}; {limit + 1} reset requests -> "
               f"{forgot[-1]} at the last (limit {throttled.config['LOGIN_RATE_LIMIT']})")
    print(summary)
    assert set(wrong) == {422} and right.status_code == 429, summary
    assert "Too many attempts" in page and "session" not in right.headers.get("Set-Cookie", "")
    assert forgot[-1] == 429, summary
