"""What the store sends back (issue 7, item 7): stored text escaped in pages and emails, no
header injection in emails, `next` redirects that stay on the site, a session renewed at login
and cleared at logout, security headers, and no card number in the database, logs or emails."""
from __future__ import annotations

import logging
import re
from email import message_from_bytes
from email.policy import default as email_policy
from urllib.parse import quote, urljoin, urlsplit

from sqlalchemy import JSON, String, Text, select, update

from storefront import create_app
from storefront.extensions import db
from storefront.models import Base, Email, Order, Product
from storefront.services import mail
from tests.builders import VISA, confirm, hidden, ready_checkout, user, web_checkout_to_confirm
from tests.security.world import (
    CUSTOMER,
    SESSION_COOKIE,
    STAFF,
    build_world,
    clone,
    logged_in,
    pages_to_crawl,
    session_cookie,
)
from tests.smtp import smtp_server
from tests.support.app import settings

SCRIPT = "<script>alert(\"xss\")</script>"
ATTRIBUTE = "\" onmouseover=\"alert('xss')\" x=\""
HOSTILE_NAME = f"Evil {SCRIPT} {ATTRIBUTE} & Co"


def raw_markup(page: str) -> list[str]:
    """Hostile markup that reached a page unescaped."""
    return [bad for bad in ("<script>alert(", "onmouseover=\"alert(", "\" onmouseover=")
            if bad in page]


def place_on_web(client, items) -> str:
    page = web_checkout_to_confirm(client, items)
    done = client.post("/checkout/confirm", data={"checkout": hidden(page.data, "checkout"),
                                                  "seen": hidden(page.data, "seen")})
    assert done.status_code == 303, done.status_code
    return client.get(done.headers["Location"]).get_data(as_text=True)


# --- stored text escaped ---------------------------------------------------------------------

def test_stored_text_is_escaped_in_pages_and_in_html_emails(app, session):
    session.execute(update(Product).where(Product.slug == "pocket-cat-keychain")
                    .values(name=HOSTILE_NAME))
    session.commit()
    customer, staff = logged_in(app, *CUSTOMER), logged_in(app, *STAFF)
    saved = customer.post("/account/addresses/", data={
        "full_name": HOSTILE_NAME, "line1": "9 Elm Road", "line2": SCRIPT, "city": "Boston",
        "state": "MA", "postal_code": "02108", "country": "US", "phone": "",
        "make_default": "1"})
    assert saved.status_code == 303, "the hostile address was not saved"
    done = place_on_web(customer, {"pocket-cat-keychain": 1})
    number = re.search(r'data-testid="order-number"[^>]*>([A-Z0-9-]+)<', done).group(1)
    sent = app.test_client().post("/contact", data={
        "name": HOSTILE_NAME, "email": "eve@example.com", "order_number": number,
        "message": f"Hello {SCRIPT} {ATTRIBUTE}\nsecond line"})
    assert sent.status_code == 303
    invalid = app.test_client().post("/contact", data={
        "name": HOSTILE_NAME, "email": "not an email", "order_number": "", "message": SCRIPT})
    pages = {"product": customer.get("/products/pocket-cat-keychain"),
             "catalogue": customer.get("/?q=Evil"), "done": None,
             "order": customer.get(f"/account/orders/{number}"),
             "address book": customer.get("/account/addresses/"),
             "address edit": customer.get(f"/account/addresses/{address_id(session)}"),
             "admin order": staff.get(f"/admin/orders/{number}"),
             "admin products": staff.get("/admin/products"),
             "admin product": staff.get("/admin/products/pocket-cat-keychain"),
             "contact refused": invalid}
    customer.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    pages["cart"] = customer.get("/cart/")
    pages["checkout shipping"] = customer.get("/checkout/shipping")
    texts = {name: (r.get_data(as_text=True) if r is not None else done)
             for name, r in pages.items()}
    problems = [f"{name}: {raw_markup(text)}" for name, text in texts.items()
                if raw_markup(text)]
    shown = [name for name, text in texts.items() if "&lt;script&gt;" in text]
    must_show = [name for name in texts if name != "done"]  # done lists order numbers only
    session.expire_all()
    emails = session.scalars(select(Email)).all()
    problems += [f"email {e.kind} html: {raw_markup(e.html)}" for e in emails
                 if raw_markup(e.html)]
    escaped_mails = [e.kind for e in emails if "&lt;script&gt;" in e.html]
    summary = (f"escaping: a product name, an address and a contact message holding "
               f"<script> and quote-breaking text; escaped in {len(shown)}/{len(texts)} pages "
               f"({', '.join(shown)}) and in the html of {sorted(escaped_mails)}; "
               f"{len(problems)} unescaped")
    print(summary)
    assert not problems, summary + "\n" + "\n".join(problems)
    assert set(must_show) <= set(shown), summary  # the text was really shown, escaped
    assert {"order_confirmation", "support_request", "support_received"} <= set(escaped_mails)


def address_id(session) -> int:
    return max(a.id for a in user(session, CUSTOMER[0]).addresses)


# --- no header injection in emails -------------------------------------------------------------

def test_a_line_break_in_a_name_never_reaches_an_email_header(app, session):
    injected = "Eve\r\nBcc: victim@example.com\r\nSubject: pwned\nX-Evil: 1"
    sent = app.test_client().post("/contact", data={
        "name": injected, "email": "eve@example.com", "order_number": "",
        "message": "A message long enough to send.\r\nBcc: victim@example.com"})
    assert sent.status_code == 303
    refused = app.test_client().post("/contact", data={
        "name": "Eve", "email": "eve@example.com\r\nBcc: victim@example.com",
        "order_number": "", "message": "A message long enough to send."})
    assert refused.status_code == 422
    me = user(session, CUSTOMER[0])
    checkout, seen = ready_checkout(session, me, {"aurora-knight-figure": 1})
    confirm(session, me, checkout, seen)
    session.execute(update(Product).where(Product.slug == "aurora-knight-figure")
                    .values(name="Knight\r\nBcc: victim@example.com\u2028X-Evil: 1"))
    session.commit()
    moved = logged_in(app, *STAFF).post("/admin/products/aurora-knight-figure/release-date",
                                        data={"release_date": "2099-12-31"})
    assert moved.status_code == 303
    session.expire_all()
    emails = session.scalars(select(Email)).all()
    kinds = sorted(e.kind for e in emails)
    assert {"support_request", "release_date_changed"} <= set(kinds), kinds
    bad = [f"{e.kind}: {e.subject!r} {e.to!r} {e.reply_to!r}" for e in emails
           if re.search(r"[\r\n\u2028\u2029\x85]", e.subject + e.to + e.reply_to)]
    with smtp_server() as (inbox, port):
        transport = mail.SMTPTransport("127.0.0.1", port)
        # the outbox already delivered them to the mailbox: send each again over SMTP
        for email in emails:
            transport.send(email, "Storefront <orders@storefront.example>")
    session.rollback()
    for raw in inbox.raw:
        message = message_from_bytes(raw, policy=email_policy)
        names = {k.lower() for k in message.keys()}
        if names & {"bcc", "x-evil"} or len(message.get_all("Subject") or []) != 1:
            bad.append(f"injected header in {message['Subject']!r}: {sorted(names)}")
    summary = (f"email headers: a name, a product name and a message with CR/LF, U+2028 and "
               f"Bcc:/Subject: lines; {len(emails)} emails queued ({kinds}), "
               f"{len(inbox.raw)} sent through SMTPTransport to a local SMTP server; "
               f"{len(bad)} with a line break or an injected header")
    print(summary)
    assert len(inbox.raw) == len(emails), summary
    assert not bad, summary + "\n" + "\n".join(bad)


# --- next redirects stay on the site -----------------------------------------------------------

EVIL_NEXTS = [
    "https://evil.example", "http://evil.example/account/", "//evil.example",
    "///evil.example", "////evil.example", "/\\evil.example", "\\\\evil.example",
    "/\\/evil.example", "\\/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
    " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "https:evil.example", "https:/evil.example", "/\t/evil.example", "/\n/evil.example",
    "/\r/evil.example", "\x00//evil.example", " //evil.example", "%2F%2Fevil.example",
    "/%2F/evil.example", "/%5Cevil.example", "%2f%2fevil.example", "http%3A%2F%2Fevil.example",
    "/login@evil.example", "//evil.example@storefront.example", "／／evil.example",
    "/\u3002evil.example", "https://localhost@evil.example", "//localhost:80@evil.example",
]


def off_site(location: str) -> bool:
    """Would a browser leave the site following this Location? Browsers drop tabs and line
    breaks and read a backslash as a slash, so those are applied before resolving."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip()
    target = urlsplit(urljoin("http://localhost/login", cleaned))
    return target.scheme not in ("http", "https") or target.hostname != "localhost"


def test_next_redirects_stay_on_the_site(app):
    customer = logged_in(app, *CUSTOMER)
    tried, escapes = 0, []
    for evil in EVIL_NEXTS + [quote(e, safe="") for e in EVIL_NEXTS[:8]]:
        answers = [
            ("POST /login", app.test_client().post(
                "/login?next=" + quote(evil, safe=""),
                data={"email": CUSTOMER[0], "password": CUSTOMER[1]})),
            ("POST /login form next", app.test_client().post(
                "/login", data={"email": CUSTOMER[0], "password": CUSTOMER[1], "next": evil})),
            ("GET /login signed in", clone(app, customer).get(
                "/login?next=" + quote(evil, safe=""))),
        ]
        for name, response in answers:
            tried += 1
            location = response.headers.get("Location", "")
            if response.status_code not in (302, 303) or off_site(location):
                escapes.append(f"{name} next={evil!r}: {response.status_code} -> {location!r}")
    on_site = app.test_client().post("/login?next=/account/addresses/", data={
        "email": CUSTOMER[0], "password": CUSTOMER[1]})
    summary = (f"next redirects: {tried} logins with {len(EVIL_NEXTS)} hostile next values "
               f"(absolute, scheme-relative, backslash, javascript:, encoded, control "
               f"characters), {len(escapes)} left the site; a local next is kept")
    print(summary)
    assert not escapes, summary + "\n" + "\n".join(escapes)
    assert on_site.headers["Location"] == "/account/addresses/"


# --- session renewed at login, cleared at logout -------------------------------------------

def test_the_session_is_renewed_at_login_and_an_old_cookie_does_not_carry_the_login(app):
    browser = app.test_client()
    browser.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "2"})
    before = session_cookie(browser)
    assert before, "a visitor's cart makes a session"
    login = browser.post("/login", data={"email": CUSTOMER[0], "password": CUSTOMER[1]})
    after = session_cookie(browser)
    replay = app.test_client()
    replay.set_cookie(SESSION_COOKIE, before)
    old = replay.get("/account/")
    cart = browser.get("/cart/").get_data(as_text=True)
    summary = (f"session at login: cookie changed {before != after}; the cookie from before "
               f"login -> GET /account/ {old.status_code} {old.headers.get('Location', '')}; "
               f"the visitor's cart kept {'Pocket Cat Keychain' in cart}")
    print(summary)
    assert login.status_code == 303 and before != after, summary
    assert old.status_code == 302 and old.headers["Location"].startswith("/login"), summary
    assert browser.get("/account/").status_code == 200 and "Pocket Cat Keychain" in cart


def test_logout_clears_the_session(app):
    browser = logged_in(app, *CUSTOMER)
    browser.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    out = browser.post("/logout")
    cookie = session_cookie(browser)
    after = browser.get("/account/")
    cart = browser.get("/cart/").get_data(as_text=True)
    empty = 'data-testid="cart-empty"' in cart
    summary = (f"logout: {out.status_code}, session cookie afterwards {cookie!r:.40}, "
               f"GET /account/ -> {after.status_code}, cart shown empty {empty}")
    print(summary)
    assert out.status_code == 303 and after.status_code == 302, summary
    assert after.headers["Location"].startswith("/login"), summary
    assert empty, summary


def test_a_cookie_kept_from_before_logout_does_not_carry_the_login(app):
    browser = logged_in(app, *CUSTOMER)
    kept = session_cookie(browser)
    browser.post("/logout")
    replay = app.test_client()
    replay.set_cookie(SESSION_COOKIE, kept)
    response = replay.get("/account/")
    print(f"cookie kept from before logout: GET /account/ -> {response.status_code}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- security headers ---------------------------------------------------------------------------

SAFE_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def header_problems(response) -> list[str]:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    problems = []
    if not csp:
        problems.append("no Content-Security-Policy")
    if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        problems.append(f"unsafe CSP {csp}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {directives.get('frame-ancestors')}")
    script = directives.get("script-src", directives.get("default-src", []))
    if not script or "*" in script or any(s.startswith(("http:", "https:", "data:"))
                                          for s in script):
        problems.append(f"script-src {script}")
    if "object-src" not in directives and directives.get("default-src") != ["'none'"]:
        problems.append("no object-src")
    if headers.get("Referrer-Policy") not in SAFE_REFERRER:
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options {headers.get('X-Content-Type-Options')}")
    return problems


# A JSON-LD data block is never run, so the CSP has nothing to block there.
INLINE = {"inline <script>": r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/ld\+json\")[^>]*>",
          "on* handler": r"<[^>]+\son[a-z]+\s*=", "style attribute": r"<[^>]+\sstyle\s*=",
          "javascript: URL": r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:"}


def test_every_page_has_the_security_headers_and_nothing_inline_the_csp_would_block(
        app, session):
    world = build_world(app, session)
    roles = {"anonymous": None, "customer": logged_in(app, *CUSTOMER),
             "staff": logged_in(app, *STAFF)}
    paypal = clone(app, roles["customer"]).post("/checkout/payment", data={"method": "paypal"})
    urls = pages_to_crawl(app, world, paypal.headers["Location"]) + [
        "/no-such-page", "/healthz", "/products/no-such-product"]
    checked, problems, inline = 0, [], []
    for role, client in roles.items():
        for url in urls:
            response = clone(app, client).get(url)
            checked += 1
            problems += [f"{role} GET {url} ({response.status_code}): {p}"
                         for p in header_problems(response)]
            if response.mimetype == "text/html":
                page = response.get_data(as_text=True)
                inline += [f"{role} GET {url}: {kind} {m.group(0)[:80]!r}"
                           for kind, pattern in INLINE.items()
                           for m in [re.search(pattern, page, re.I)] if m]
    for response in (clone(app, roles["customer"]).post("/account/addresses/", data={}),
                     app.test_client().post("/login", data={}),
                     app.test_client().post("/cart/add", data={"slug": "x"})):
        checked += 1
        problems += [f"POST answer {response.status_code}: {p}"
                     for p in header_problems(response)]
    development = app.test_client().get("/")
    production = create_app(settings(db_url(app), ENV="production", SECRET_KEY="x" * 40,
                                     BASE_URL="https://shop.example",
                                     PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY="sk_test_x"))
    secure = production.test_client().get("/", base_url="https://localhost")
    hsts = secure.headers.get("Strict-Transport-Security", "")
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1)) if "max-age" in hsts else 0
    summary = (f"security headers: {checked} answers ({len(urls)} pages x {len(roles)} roles, "
               f"errors, redirects, JSON, refused forms) checked for CSP without "
               f"'unsafe-inline' and with frame-ancestors 'none', Referrer-Policy, "
               f"X-Content-Type-Options nosniff: {len(problems)} problems; "
               f"{len(inline)} inline scripts, handlers or styles; HSTS in production "
               f"max-age={max_age}, in development "
               f"{development.headers.get('Strict-Transport-Security')}")
    print(summary)
    assert not problems, summary + "\n" + "\n".join(sorted(set(problems))[:40])
    assert not inline, summary + "\n" + "\n".join(sorted(set(inline))[:40])
    assert max_age >= 31536000, summary
    assert "Strict-Transport-Security" not in development.headers, summary
    assert not header_problems(secure), header_problems(secure)


def test_htmx_answers_keep_nosniff_and_vary_and_leave_the_document_headers_to_pages(app):
    """An htmx answer is swapped into a page that keeps its own CSP; it never becomes a
    document (a navigation cannot send HX-Request, Vary: HX-Request keeps caches from mixing
    the two), so it goes without CSP, frame and referrer policy: bytes on a slow link."""
    customer = logged_in(app, *CUSTOMER)
    customer.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    answers = {"GET /cart/": lambda c, h: c.get("/cart/", headers=h),
               "GET /checkout/shipping": lambda c, h: c.get("/checkout/shipping", headers=h),
               "GET /products/...": lambda c, h: c.get("/products/aurora-knight-figure",
                                                       headers=h),
               "POST /cart/add": lambda c, h: c.post("/cart/add", headers=h, data={
                   "slug": "pocket-cat-keychain", "quantity": "1"}),
               "refused POST /account/addresses/": lambda c, h: c.post(
                   "/account/addresses/", headers=h, data={})}
    for name, ask in answers.items():
        fragment = ask(clone(app, customer), {"HX-Request": "true", "HX-Target": "main#main"})
        assert fragment.status_code in (200, 422), (name, fragment.status_code)
        assert fragment.headers.get("X-Content-Type-Options") == "nosniff", name
        assert "HX-Request" in fragment.headers.get("Vary", ""), name
        assert not {"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"} & set(
            fragment.headers.keys()), name
        document = ask(clone(app, customer), {})
        assert "HX-Request" in document.headers.get("Vary", ""), name
        assert not header_problems(document), (name, header_problems(document))
        assert document.headers.get("X-Frame-Options") == "DENY", name


def db_url(app) -> str:
    return app.config["DATABASE_URL"]


# --- no card number anywhere --------------------------------------------------------------------

CARDS = {"4242424242424242": ("4242 4242 4242 4242", "4242-4242-4242-4242"),
         "5555555555554444": ("5555 5555 5555 4444",),
         "4000000000000341": ("4000 0000 0000 0341",),
         "4000000000000002": ("4000 0000 0000 0002",)}


def card_numbers_in(text: str) -> list[str]:
    return [n for n, spaced in CARDS.items() for form in (n, *spaced) if form in text]


def test_no_card_number_in_the_database_the_logs_or_the_emails(app, session, caplog):
    caplog.set_level(logging.DEBUG)
    world = build_world(app, session)
    customer = logged_in(app, *CUSTOMER)
    answers = [place_on_web(customer, {"pocket-cat-keychain": 1})]
    declined = web_checkout_to_confirm(customer, {"pocket-cat-keychain": 1},
                                       VISA | {"card_number": "4000 0000 0000 0002"})
    answers.append(declined.get_data(as_text=True))
    typo = customer.post("/checkout/payment", data=VISA | {"card_cvc": "12"})
    answers.append(typo.get_data(as_text=True))
    update = customer.post(f"/account/orders/{world.orders['payment_failed']}/payment",
                           data=VISA | {"card_number": "5555 5555 5555 4444"})
    answers.append(update.get_data(as_text=True))
    session.expire_all()
    paid = session.scalars(select(Order).where(
        Order.number == world.orders["payment_failed"])).one()
    assert paid.payment_status == "paid", "Update Payment did not go through"
    session.rollback()  # SQLite: no transaction of ours may hold the file while we scan
    scanned, found = 0, []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    scanned += 1
                    hits = card_numbers_in(str(value)) if value is not None else []
                    found += [f"{table.name}.{column.name}: {h}" for h in hits]
    emails = session.scalars(select(Email)).all()
    in_mail = [f"email {e.kind}" for e in emails
               if card_numbers_in(e.subject + e.text + e.html)]
    in_logs = card_numbers_in(caplog.text)
    in_pages = [card_numbers_in(a) for a in answers if card_numbers_in(a)]
    summary = (f"card numbers: 4 checkouts and an Update Payment with 4242..., 4000...0002 "
               f"(declined), a bad CVC and 5555...; {scanned} text values in "
               f"{len(Base.metadata.sorted_tables)} tables scanned: {len(found)} hits; "
               f"{len(emails)} emails: {len(in_mail)} hits; {len(caplog.records)} log "
               f"records: {len(in_logs)} hits; pages sent back: {len(in_pages)} hits")
    print(summary)
    assert scanned and not found and not in_mail and not in_logs and not in_pages, \
        summary + f"\n{found} {in_mail} {in_logs} {in_pages}"
