"""Hostile input on every form (issue 7, item 6).

The forms are found from the app itself: every route of app.url_map that takes a form,
its URL filled with real demo data, its field names read from the page that shows its form.
Each field then gets long strings, control characters, NUL bytes, other scripts, numbers
where text is expected and text where numbers are, missing and repeated fields, as an
anonymous visitor, a customer and staff. The answer is never a 5xx; a 4xx says what is wrong;
what was valid is kept; prices, quantities and ids from the client are never trusted."""
from __future__ import annotations

import io
import os
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from storefront import clock
from storefront.models import (
    Address,
    Cart,
    CartLine,
    Checkout,
    Order,
    TestGatewayCharge,
    User,
)
from storefront.web.auth.social import PENDING
from tests.builders import VISA, hidden
from tests.builders import product as product_of
from tests.security.world import (
    CUSTOMER,
    STAFF,
    STATE_CHANGING,
    Field,
    Form,
    World,
    build_world,
    clone,
    discover_forms,
    fill,
    has_message,
    logged_in,
    pages_to_crawl,
    rules,
)

# Routes that take a form but have no page showing it: their fields by hand.
FALLBACK_FIELDS: dict[str, tuple[str, ...]] = {
    # Shown only on PayPal orders (the world's orders are paid by card): no fields of its own.
    "account.payment_at_provider": (),
    # Shown only on the allocation preview page, which a POST opens.
    "admin.allocation_confirm": ("units", "cancel"),
    # The gallery's move form shows only once a product has two images (demo products have one).
    "admin.gallery_move": ("to",),
    # The world's customers saved no payment method: My Account shows no such forms.
    "account.payment_method_default": (),
    "account.payment_method_remove": (),
}
ROLES = ("staff", "customer", "anonymous")
# Hypothesis examples per form and role; STOREFRONT_FUZZ=N explores N times more, at random
# (by default the examples are the same on every run, so CI is repeatable).
FUZZ = int(os.environ.get("STOREFRONT_FUZZ", "0") or 0)
EXAMPLES = 20 * max(FUZZ, 1)
GATED_EXAMPLES = 3 * max(FUZZ, 1)  # a login redirect or a 404 answers before any field is read
FAST = settings(deadline=None, database=None, derandomize=not FUZZ,
                suppress_health_check=list(HealthCheck))
POSTGRES = os.environ.get("STOREFRONT_TEST_DATABASE_URL", "").startswith("postgresql")

# --- hostile values ----------------------------------------------------------------------

LONG = st.sampled_from(["A" * 10_000, "ß" * 10_000, "7" * 10_000, "<b>'\"&" * 2_000,
                        "\u202e" * 10_000, "😀" * 10_000])
CONTROL = st.text(st.characters(codec="utf-8", categories=["Cc"]), min_size=1, max_size=30)
NUL = st.sampled_from(["\x00", "abc\x00def", "\x00" * 64, "qa.us@example.com\x00",
                       "pocket-cat-keychain\x00"])
SCRIPTS = st.sampled_from(["مرحبا بالعالم", "東京都千代田区丸の内1-1", "😀🎉👾🧸",
                           "\u202eevil\u202c", "\u200fשלום\u200f", "Ελληνικά", "한국어 주소",
                           "ｆｕｌｌｗｉｄｔｈ　１２３",
                           "Z\u0335\u0321a\u0334l\u0337g\u0338o", "e\u0301\u0301\u0301", "\ufeff",
                           "\u2028\u2029", "१२३", "٣٤٥"])
NUMBERS = st.one_of(st.integers(-10**30, 10**30).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.sampled_from(["-1", "0", "1e309", "NaN", "-Infinity", "0x10", "1_000",
                                     "99999999999999999999", "1.005", "-0.01", "１２", "2147483648",
                                     "²", "①", "7" * 5_000]))
TEXT_FOR_NUMBERS = st.sampled_from(["abc", "twelve", "", " ", "null", "None", "true", "[]",
                                    "{}", "1; DROP TABLE orders;--", "' OR '1'='1",
                                    "../../etc/passwd", "%00", "{{7*7}}", "${7*7}",
                                    "<script>alert(1)</script>", "2026-02-30", "31/12/2030",
                                    "9999-12-31", "0000-00-00"])
HOSTILE = st.one_of(LONG, CONTROL, NUL, SCRIPTS, NUMBERS, TEXT_FOR_NUMBERS, st.text(max_size=80))
MISSING = None

# Plausible values by field name, so hostile values also reach the checks behind the first.
# Passwords are never the accounts' own: no hostile run logs anyone out or deletes anyone.
VALID = {
    "email": "qa.new@example.com", "name": "Robin Park", "full_name": "Robin Park",
    "line1": "9 Elm Road", "line2": "Apt 2", "city": "Boston", "state": "MA",
    "postal_code": "02108", "phone": "+1 617 555 0100", "card_number": VISA["card_number"],
    "card_expiry": "12/39", "card_cvc": "123", "card_name": "Robin Park", "quantity": "1",
    "message": "Where is my order? It has not arrived yet.", "order_number": "SF-0000-0000",
    "reason": "The figure arrived broken in two pieces.", "carrier": "UPS",
    "tracking_number": "1Z999AA9", "round_trip_shipping": "36.00", "price": "54.50",
    "stock": "5", "per_order_limit": "2", "per_customer_limit": "4", "code": "HOSTILE10",
    "value": "10", "min_spend": "20.00", "slug": "hostile-figure", "coupon_code": "FIVEOFF",
    "password": "Wrong-Passw0rd!", "password_confirm": "Other-Passw0rd?",
    "current_password": "Wrong-Passw0rd!", "description": "A figure.", "q": "figure",
    "restricted_regions": "FR",
}
DATES = ("shipping_date", "release_date", "preorder_ends", "starts_at", "ends_at")


def valid_values(f: Field) -> list[str]:
    if f.name in DATES:
        return [(clock.today() + timedelta(days=40)).isoformat()]
    seen = [v for v in f.values if v]
    return seen or ([VALID[f.name]] if f.name in VALID else [])


def field_strategy(f: Field) -> st.SearchStrategy:
    if f.kind == "file":
        content = st.one_of(st.binary(max_size=2_000),
                            st.binary(max_size=500).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
                            st.just(b"<svg onload=alert(1)></svg>"))
        return st.one_of(st.just(MISSING), st.tuples(content, HOSTILE.filter(bool)))
    valid = valid_values(f)
    single = st.one_of(HOSTILE, st.sampled_from(valid)) if valid else HOSTILE
    return st.one_of(st.just(MISSING), single, single,
                     st.lists(single, min_size=2, max_size=3))  # repeated


def payloads(form: Form) -> st.SearchStrategy:
    fields = {n: field_strategy(f) for n, f in form.fields.items() if n != "csrf_token"}
    return st.fixed_dictionaries(fields)


def encode(payload: dict) -> dict:
    """Form data for the test client: missing fields left out, files as uploads."""
    data: dict = {}
    for name, value in payload.items():
        if value is MISSING:
            continue
        if isinstance(value, tuple):
            data[name] = (io.BytesIO(value[0]), value[1][:200])
        else:
            data[name] = value
    return data


# --- the store under test -----------------------------------------------------------------

@dataclass
class Store:
    app: object
    world: World
    base: dict[str, object]  # role -> logged-in client (None: anonymous)
    forms: dict[tuple[str, str], dict[str, Form]]

    def browser(self, role: str, endpoint: str = ""):
        client = clone(self.app, self.base[role])
        if endpoint in SOCIAL_PENDING:
            SOCIAL_PENDING[endpoint](client)
        return client


def _pending(link: bool):
    def prepare(client) -> None:
        """A verified Google identity waiting for its country (or, to link, its password)."""
        with client.session_transaction() as s:
            s[PENDING] = {"provider": "google", "subject": f"hostile-{link}",
                          "email": CUSTOMER[0] if link else "social.new@example.com",
                          "name": "Social Person", "link": link, "at": int(time.time())}
    return prepare


SOCIAL_PENDING = {"auth.social_country": _pending(False), "auth.social_link": _pending(True)}


@pytest.fixture()
def store(app, session) -> Store:
    world = build_world(app, session)
    base = {"anonymous": None, "customer": logged_in(app, *CUSTOMER),
            "staff": logged_in(app, *STAFF)}
    paypal = clone(app, base["customer"]).post("/checkout/payment", data={"method": "paypal"})
    assert paypal.status_code == 303, "the PayPal approval page could not be opened"
    made = Store(app, world, base, {})
    urls = pages_to_crawl(app, world, paypal.headers["Location"])
    made.forms = discover_forms({r: (lambda r=r: made.browser(r)) for r in ROLES}, urls, app)
    for endpoint in SOCIAL_PENDING:  # pages shown only while a sign-in waits in the session
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        discover_forms({"anonymous": lambda e=endpoint: made.browser("anonymous", e)},
                       [rule.rule], app, made.forms)
    return made


def form_routes(store: Store) -> tuple[list[tuple[str, str, Form]], list[str], list[str]]:
    """(method, endpoint, form) for every form route; the unfillable; the formless."""
    app, values = store.app, store.world.url_values()
    found, unfillable, formless = [], [], []
    for rule in rules(app, STATE_CHANGING):
        if rule.rule.startswith("/_qa/"):
            continue
        if fill(rule, values) is None:
            unfillable.append(rule.endpoint)
        for method in sorted(rule.methods & STATE_CHANGING):
            seen = store.forms.get((method, rule.endpoint))
            if seen:
                found.append((method, rule.endpoint, next(iter(seen.values()))))
            elif rule.endpoint in FALLBACK_FIELDS:
                form = Form(action=fill(rule, values) or "", method=method,
                            fields={n: Field(n, "text") for n in FALLBACK_FIELDS[rule.endpoint]})
                found.append((method, rule.endpoint, form))
            else:
                formless.append(f"{method} {rule.rule} ({rule.endpoint})")
    for (method, endpoint), seen in sorted(store.forms.items()):
        if method == "GET":  # search and filter forms: hostile query strings
            found.append((method, endpoint, next(iter(seen.values()))))
    return found, unfillable, formless


def problem_with(response) -> str:
    code = response.status_code
    if code >= 500:
        return f"server error {code}"
    if code >= 400 and response.mimetype == "text/html" and not has_message(response):
        return f"{code} without a message (field-error, form-errors, flash, alert, error page)"
    if 300 <= code < 400 and not response.headers.get("Location"):
        return f"{code} without a Location"
    if code < 200:
        return f"unexpected status {code}"
    return ""


def send(client, method: str, url: str, data: dict, htmx: bool):
    headers = {"HX-Request": "true", "HX-Target": "main"} if htmx else {}
    if method == "GET":
        path = urlsplit(url).path
        return client.get(path + "?" + urlencode(data, doseq=True), headers=headers)
    return client.open(url, method=method, data=data, headers=headers)


def outcome(store: Store, role: str, method: str, endpoint: str, url: str, data: dict,
            htmx: bool) -> tuple[int, str, str]:
    """(status, problem, location) of one request; TESTING propagates what would be a 500."""
    try:
        response = send(store.browser(role, endpoint), method, url, data, htmx)
    except Exception as exc:
        return 500, f"server error (500): {type(exc).__name__}: {short(str(exc))}", ""
    return response.status_code, problem_with(response), response.headers.get("Location", "")


@dataclass
class Tally:
    requests: int = 0
    by_status: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)  # "role endpoint" -> first problem seen

    def record(self, role: str, endpoint: str, status: int, problem: str) -> bool:
        """Count the answer; True when it is a problem not seen before for this route."""
        self.requests += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1
        if not problem:
            return False
        self.problems.setdefault(f"{role} {endpoint}", problem)
        return True


def hostile_run(store: Store, role: str, method: str, endpoint: str, form: Form, examples: int,
                tally: Tally):
    """Hypothesis sends this form `examples` hostile payloads as this role."""
    @settings(FAST, max_examples=examples)
    @given(payload=payloads(form), htmx=st.booleans())
    def attempt(payload, htmx):
        status, problem, _ = outcome(store, role, method, endpoint, form.action,
                                     encode(payload), htmx)
        new = tally.record(role, endpoint, status, problem)
        assert not new, f"{role} {method} {short(form.action)} ({endpoint}): {problem}"
    return attempt


def short(text: str, limit: int = 300) -> str:
    """Long hostile values shortened for messages: runs of one character as c*N."""
    text = re.sub(r"(.)\1{19,}", lambda m: f"{m.group(1)!r}*{len(m.group(0))}", text)
    return text if len(text) <= limit else text[:limit] + "..."


def test_every_form_field_of_every_form_survives_hostile_input(store: Store):
    started = time.perf_counter()
    found, unfillable, formless = form_routes(store)
    assert not unfillable, (
        f"routes whose URL variables have no demo value: {sorted(unfillable)}; give "
        "World.url_values a real value for them")
    assert not formless, (f"form routes with no page showing their form: {formless}; make a "
                          "page show it in build_world or list its fields in FALLBACK_FIELDS")
    tally = Tally()
    failures: list[str] = []
    for role in ROLES:
        for method, endpoint, form in found:
            status, problem, location = outcome(store, role, method, endpoint, form.action, {},
                                                False)
            if tally.record(role, endpoint, status, problem):  # every field missing
                failures.append(f"{role} {method} {form.action} with no fields: {problem}")
            # a login redirect or a 404 answers before any field is read: fewer examples
            gated = status == 404 or status in (302, 303) and location.startswith("/login")
            attempt = hostile_run(store, role, method, endpoint, form,
                                  GATED_EXAMPLES if gated else EXAMPLES, tally)
            try:
                attempt()
            except AssertionError as exc:
                notes = short("\n".join(getattr(exc, "__notes__", [])), 1500)
                failures.append(f"{exc}\n{notes}")
    server_errors = sum(n for code, n in tally.by_status.items() if code >= 500)
    summary = (f"hostile input: {tally.requests} requests over {len(found)} forms x "
               f"{len(ROLES)} roles, {server_errors} server errors; "
               f"{len(tally.problems)} new problems; statuses "
               f"{dict(sorted(tally.by_status.items()))}; {time.perf_counter() - started:.1f}s")
    print(summary)
    print(f"  URL variables filled from the demo data: {sorted(store.world.url_values())}; "
          f"unfillable routes: {sorted(unfillable) or 'none'}; forms listed by hand: "
          f"{sorted(FALLBACK_FIELDS) or 'none'}")
    for (method, endpoint, form) in found:
        print(f"  {method} {endpoint}: {short(form.action, 60)} fields {sorted(form.fields)}")
    assert not failures, summary + "\n\n" + "\n\n".join(failures)


# --- hostile inputs that once broke a page, each proven handled ----------------------------

def staff_product_form(**overrides: str) -> dict[str, str]:
    return {"name": "Hostile Figure", "slug": "hostile-figure", "kind": "instock",
            "price": "10.00", "description": "", "stock": "5", "per_order_limit": "",
            "per_customer_limit": "", "restricted_regions": ""} | overrides


def test_a_count_of_thousands_of_digits_in_the_product_form_is_a_field_error(app):
    staff = logged_in(app, *STAFF)
    tried = []
    for field_name in ("stock", "per_order_limit", "per_customer_limit"):
        for value in ("7" * 5_000, "²"):
            status, problem, _ = outcome_of(staff.post, "/admin/products/new",
                                            staff_product_form(**{field_name: value}))
            tried.append((field_name, value[:3], status))
            assert status == 422 and not problem, f"{field_name}={value[:10]!r}: {problem}"
    print(f"hostile counts in the product form: {tried}")


def test_a_coupon_refused_before_the_shipping_step_is_answered_without_a_server_error(app):
    client = logged_in(app, *CUSTOMER)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    assert client.get("/checkout/").status_code == 200  # the first step, shown at once
    status, problem, _ = outcome_of(client.post, "/checkout/coupon", {"coupon_code": "NOPE"})
    print(f"refused coupon before the shipping step: {status} {problem}")
    assert status < 500 and not problem, problem


def test_an_htmx_cart_change_without_a_session_is_refused_with_a_message(app):
    headers = {"HX-Request": "true", "HX-Target": "cart-body"}
    answers = []
    for path in ("/cart/lines/3", "/cart/lines/3/remove"):
        response = app.test_client().post(path, data={"quantity": "1"}, headers=headers)
        answers.append((path, response.status_code, has_message(response)))
    print(f"htmx cart changes without a session: {answers}")
    assert all(code < 500 and (code < 400 or said) for _p, code, said in answers), answers


def test_a_card_number_of_superscript_digits_is_a_field_error(app):
    client = logged_in(app, *CUSTOMER)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    client.get("/checkout/")
    answers = []
    for number in ("²", "4²42 4242 4242 4242", "4242 4242 4242 424²"):
        status, problem, _ = outcome_of(clone(app, client).post, "/checkout/payment",
                                        VISA | {"method": "card", "card_number": number})
        answers.append((number, status))
        assert status == 422 and not problem, f"{number!r}: {problem}"
    print(f"card numbers of other digits: {answers}")


def test_a_refused_saved_address_is_said_even_when_the_book_is_empty(app):
    client = logged_in(app, *STAFF)  # staff have no saved address
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"},
                follow_redirects=True)
    client.get("/checkout/", follow_redirects=True)
    answers = []
    for headers in ({}, {"HX-Request": "true", "HX-Target": "main"}):
        response = client.post("/checkout/shipping", data={"address_id": "999"},
                               headers=headers)
        answers.append((response.status_code, has_message(response)))
    print(f"refused saved address with an empty book (form, htmx): {answers}")
    assert answers == [(422, True), (422, True)]


BIG_IDS = ("2147483648", "9223372036854775808")  # int4 + 1 (PostgreSQL), int8 + 1 (SQLite)


def test_an_id_beyond_the_integer_range_is_answered_without_a_server_error(app, session):
    world = build_world(app, session)
    customer, staff = logged_in(app, *CUSTOMER), logged_in(app, *STAFF)
    tried, errors = [], []
    for rule in app.url_map.iter_rules():
        ints = [a for a, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if not ints:
            continue
        client = staff if rule.rule.startswith("/admin") else customer
        for big in BIG_IDS:
            url = fill(rule, world.url_values() | dict.fromkeys(ints, big))
            for method in sorted(rule.methods & {"GET", "POST"}):
                tried.append(f"{method} {url}")
                browser = clone(app, client)
                call = browser.get if method == "GET" else browser.post
                status, problem, _ = outcome_of(call, url, {} if method == "POST" else None)
                if status >= 500:
                    errors.append(f"{method} {url}: {problem}")
    number = world.orders["open_preorder"]
    for big in BIG_IDS:
        for url in ("/checkout/shipping", f"/account/orders/{number}/address"):
            tried.append(f"POST {url} address_id={big}")
            status, problem, _ = outcome_of(clone(app, customer).post, url,
                                            {"address_id": big})
            if status >= 500:
                errors.append(f"POST {url} address_id={big}: {problem}")
    summary = (f"ids beyond the integer range: {len(tried)} requests (every <int:...> URL "
               f"variable from url_map, and the address_id fields), {len(errors)} server "
               "errors")
    print(summary)
    assert not errors, summary + "\n" + "\n".join(errors)


@pytest.mark.skipif(not POSTGRES, reason="NUL bytes are stored as given by SQLite")
def test_a_nul_byte_in_any_field_is_answered_without_a_server_error_on_postgresql(app, session):
    world = build_world(app, session)
    anonymous, staff = app.test_client(), logged_in(app, *STAFF)
    attempts = [
        (anonymous.get, "/?q=%00", None),
        (anonymous.post, "/login", {"email": "a\x00b", "password": "x"}),
        (anonymous.post, "/cart/add", {"slug": "pocket-cat-keychain\x00", "quantity": "1"}),
        (anonymous.post, "/password/forgot", {"email": "a\x00@example.com"}),
        (anonymous.post, "/contact", {"name": "N\x00", "email": "n@example.com",
                                      "order_number": "", "message": "Hello there\x00 friend"}),
        (staff.get, "/admin/?q=%00", None),
        (staff.post, f"/admin/accounts/{world.us_id}/restrict", {"reason": "\x00"}),
    ]
    results = [(url, outcome_of(call, url, data)[0]) for call, url, data in attempts]
    print(f"NUL bytes on PostgreSQL: {results}")
    assert all(code < 500 for _url, code in results), results


def outcome_of(call, url: str, data: dict | None, **kw) -> tuple[int, str, object]:
    """(status, problem, response) of a client call; an exception is a 500."""
    try:
        response = call(url, data=data, **kw) if data is not None else call(url, **kw)
    except Exception as exc:
        return 500, f"server error (500): {type(exc).__name__}: {short(str(exc))}", None
    return response.status_code, problem_with(response), response


# --- what was valid is kept -----------------------------------------------------------------

LOCAL = st.text("abcxyz019'\"<>&+._-", min_size=1, max_size=20).filter(
    lambda t: not t.startswith(".") and ".." not in t)
EMAILS = st.builds(lambda local, host: f"{local}@{host}.example", LOCAL,
                   st.text("abcdefghij", min_size=1, max_size=10))
NAMES = st.text(st.characters(categories=["L", "Nd"], include_characters=" '\"<>&-"),
                min_size=1, max_size=40).map(lambda t: " ".join(t.split())).filter(bool)
NO_DIGIT_PASSWORDS = st.text("abcXYZ!-_ ", max_size=20).map(lambda t: "Nodigits-" + t)


def kept(page: str, value: str) -> bool:
    """The re-rendered form holds the value as typed (escaped)."""
    return f'value="{escape(value)}"' in page or f">{escape(value)}</textarea>" in page


def test_a_refused_form_keeps_what_was_valid(app):
    tried = {"register": 0, "contact": 0, "address": 0, "card": 0, "product": 0}
    customer, staff = logged_in(app, *CUSTOMER), logged_in(app, *STAFF)
    customer.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    customer.get("/checkout/")

    @settings(FAST, max_examples=12)
    @given(email=EMAILS, password=NO_DIGIT_PASSWORDS, name=NAMES, bad=HOSTILE)
    def refused(email, password, name, bad):
        response = app.test_client().post("/register", data={
            "email": email, "password": password, "password_confirm": password,
            "country": "US", "agree_terms": "1"})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and 'data-testid="field-error"' in page
        assert kept(page, email) and '<option value="US" selected>' in page, email
        assert escape(password) not in page, "the refused password was sent back"
        tried["register"] += 1

        response = app.test_client().post("/contact", data={
            "name": name, "email": email, "order_number": "SF-1234-ABCD", "message": "short"})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and 'data-field="message"' in page
        assert kept(page, name) and kept(page, email) and kept(page, "SF-1234-ABCD")
        tried["contact"] += 1

        response = clone(app, customer).post("/account/addresses/", data={
            "full_name": name, "line1": "9 Elm Road", "city": "Boston", "state": "MA",
            "postal_code": "not a zip " + bad[:50], "country": "US", "phone": ""})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and 'data-testid="field-error"' in page
        assert kept(page, name) and kept(page, "9 Elm Road") and kept(page, "Boston")
        tried["address"] += 1

        response = clone(app, customer).post("/checkout/payment", data={
            "method": "card", "card_number": "4242 4242 4242 4241", "card_expiry": "12/39",
            "card_cvc": "987", "card_name": name})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and 'data-field="card_number"' in page
        assert kept(page, name) and kept(page, "12/39")
        shown = re.sub(r'(?:href|src)="/static/[^"]*"', "", page)  # asset digests are hex
        assert "4242 4242 4242 4241" not in shown and "987" not in shown, "card data echoed"
        tried["card"] += 1

        response = clone(app, staff).post("/admin/products/new", data=staff_product_form(
            name=name, slug="kept-" + str(tried["product"]), price=bad[:200] or "x"))
        page = response.get_data(as_text=True)
        if response.status_code == 422:  # a hostile price that happens to be a price is saved
            assert 'data-field="price"' in page and kept(page, " ".join(name.split()))
            tried["product"] += 1

    refused()
    summary = f"kept values: refused forms re-rendered with what was valid: {tried}"
    print(summary)
    assert all(tried.values()), summary


# --- prices, quantities and ids from the client are never trusted -----------------------------

FORGED = {"price": "0.01", "price_cents": "1", "unit_price_cents": "1", "total": "0",
          "total_cents": "1", "items_cents": "1", "subtotal": "0", "shipping_cents": "0",
          "discount_cents": "999999", "amount": "1", "paid_cents": "999999",
          "user_id": "2", "is_staff": "1", "region": "FR", "status": "paid"}


def test_prices_and_totals_sent_by_the_client_change_nothing(app, session):
    client = logged_in(app, *CUSTOMER)
    client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "2"} | FORGED)
    cart_page = client.get("/cart/").get_data(as_text=True)
    assert 'data-testid="cart-subtotal">$24.00<' in cart_page
    client.get("/checkout/")
    us = session.scalars(select(User).where(User.email == CUSTOMER[0])).one()
    for step, data in (("shipping", {"address_id": str(us.addresses[0].id)}),
                       ("payment", VISA), ("billing", {"billing": "same"})):
        assert client.post(f"/checkout/{step}", data=data | FORGED).status_code == 303, step
    confirm = client.get("/checkout/confirm").get_data(as_text=True)
    done = client.post("/checkout/confirm", data=FORGED | {
        "checkout": hidden(confirm, "checkout"), "seen": hidden(confirm, "seen")})
    assert done.status_code == 303
    session.expire_all()
    [order] = session.scalars(select(Order).where(Order.user_id == us.id)).all()
    charged = session.scalars(select(TestGatewayCharge.amount_cents)
                              .where(TestGatewayCharge.kind == "charge")).all()
    summary = (f"forged prices: {len(FORGED)} forged fields on cart, checkout steps and "
               f"confirm; order {order.items_cents}+{order.shipping_cents}-"
               f"{order.discount_cents}={order.total_cents} cents, charged {charged}")
    print(summary)
    assert (order.items_cents, order.shipping_cents, order.discount_cents, order.total_cents) \
        == (2400, 1800, 0, 4200), summary
    assert charged == [4200] and order.email == CUSTOMER[0] and not us.is_staff, summary
    assert order.shipping_address["country"] == "US", summary


PLAUSIBLE = st.one_of(st.integers(-2, 12).map(str), st.sampled_from([" 2 ", "02", "+1", "١"]))
QUANTITIES = st.one_of(PLAUSIBLE, NUMBERS, PLAUSIBLE, TEXT_FOR_NUMBERS, PLAUSIBLE, HOSTILE)
LIMITS = {"pocket-cat-keychain": 10, "last-one-artbook": 1, "grand-castle-diorama": 1,
          "aurora-knight-figure": 3}


def test_quantities_sent_by_the_client_stay_within_limits_and_stock(app, session):
    client = logged_in(app, *CUSTOMER)
    product_ids = {slug: product_of(session, slug).id for slug in LIMITS}
    session.rollback()
    tally = {"stepwise": 0, "sent": 0, "accepted": 0, "refused": 0}
    for slug, limit in LIMITS.items():  # one at a time up to the limit, then one more
        answers = [clone(app, client).post("/cart/add", data={"slug": slug, "quantity": "1"})
                   for _ in range(limit + 1)]
        assert all(a.status_code == 303 for a in answers)
        assert [a.headers["Location"] == "/cart/" for a in answers] == [True] * limit + [False]
        session.expire_all()
        line = session.scalars(select(CartLine).join(Cart).where(
            Cart.user_id == user_id(session),
            CartLine.product_id == product_ids[slug])).one()
        assert line.quantity == limit, slug
        session.rollback()
        clone(app, client).post(f"/cart/lines/{product_ids[slug]}/remove")
        tally["stepwise"] += limit + 1

    @settings(FAST, max_examples=40)
    @given(slug=st.sampled_from(sorted(LIMITS)), quantity=QUANTITIES,
           change=st.booleans(), repeat=st.booleans())
    def order_some(slug, quantity, change, repeat):
        product_id = product_ids[slug]
        data = {"quantity": [quantity, "1"] if repeat else quantity}
        browser = clone(app, client)
        if change:
            response = browser.post(f"/cart/lines/{product_id}", data=data)
        else:
            response = browser.post("/cart/add", data=data | {"slug": slug})
        tally["sent"] += 1
        assert response.status_code == 303, (slug, quantity, response.status_code)
        landed = browser.get(response.headers["Location"]).get_data(as_text=True)
        tally["refused" if 'data-level="error"' in landed else "accepted"] += 1
        session.expire_all()
        for line in session.scalars(select(CartLine).join(Cart).join(
                User, User.id == Cart.user_id).where(User.email == CUSTOMER[0])):
            assert 1 <= line.quantity <= LIMITS[line.product.slug], (slug, quantity)
        session.rollback()

    order_some()
    summary = (f"quantities: {tally['stepwise']} one-by-one additions up to each limit (the "
               f"one past it refused), then {tally['sent']} hostile quantities added or changed "
               f"({tally['accepted']} accepted, {tally['refused']} refused with a message), "
               f"the cart always within the per-order limits and stock {LIMITS}")
    print(summary)


def test_ids_from_the_client_are_checked_against_the_signed_in_customer(app, session):
    world = build_world(app, session)
    client = logged_in(app, *CUSTOMER)
    tried = []
    before = session.get(Checkout, checkout_id(session, world.us_checkout)).shipping_address
    for address_id in (str(world.fr_address_id), f" {world.fr_address_id} ",
                       f"{world.fr_address_id}.0", "-1", "0", "999999", "1 OR 1=1",
                       [str(world.fr_address_id), str(world.us_address_id)]):
        response = clone(app, client).post("/checkout/shipping", data={"address_id": address_id})
        page = response.get_data(as_text=True)
        tried.append((address_id, response.status_code))
        assert response.status_code < 500 and "Rivoli" not in page and "Camille" not in page
        session.expire_all()
        shipping = session.get(Checkout, checkout_id(session, world.us_checkout)
                               ).shipping_address
        assert shipping == before, f"checkout shipping address set from {address_id!r}"
        number = world.orders["open_preorder"]
        response = clone(app, client).post(f"/account/orders/{number}/address",
                                           data={"address_id": address_id})
        assert response.status_code < 500
        session.expire_all()
        placed = session.scalars(select(Order).where(Order.number == number)).one()
        assert placed.shipping_address["country"] == "US" and \
            "Rivoli" not in str(placed.shipping_address), address_id
    refused = [a for a, code in tried if code == 422]
    foreign = session.scalars(select(Address).where(Address.user_id == world.fr_id)).one()
    response = clone(app, client).post("/account/addresses/", data={
        "full_name": "Mass Assigned", "line1": "9 Elm Road", "city": "Boston", "state": "MA",
        "postal_code": "02108", "country": "US", "user_id": str(world.fr_id),
        "id": str(foreign.id), "is_default": "1"})
    assert response.status_code == 303
    session.expire_all()
    made = session.scalars(select(Address).where(Address.full_name == "Mass Assigned")).one()
    assert made.user_id == world.us_id and not made.is_default
    other_checkout = clone(app, client).post("/checkout/confirm", data={
        "checkout": fr_checkout_token(session, world), "seen": "x"})
    assert other_checkout.status_code == 404
    summary = (f"ids: {len(tried)} foreign or forged address ids refused in checkout and on an "
               f"order ({len(refused)} with a field error), a forged user_id on a new address "
               "ignored, another customer's checkout token 404")
    print(summary)
    assert len(refused) == len(tried), summary + f" {tried}"


def user_id(session, email: str = CUSTOMER[0]) -> int:
    return session.scalars(select(User.id).where(User.email == email)).one()


def checkout_id(session, token: str) -> int:
    return session.scalars(select(Checkout.id).where(Checkout.token == token)).one()


def fr_checkout_token(session, world: World) -> str:
    return session.scalars(select(Checkout.token).where(Checkout.user_id == world.fr_id)
                           .order_by(Checkout.id.desc())).first()
