"""Every page a customer, a visitor or staff reaches passes the Nu Html Checker (issue 13),
refused forms included; htmx's hx-* attributes are the only errors left out."""
from __future__ import annotations

from pathlib import Path

from tests.builders import VISA
from tests.checks.checkers import vnu_errors
from tests.security.world import (
    CUSTOMER,
    STAFF,
    build_world,
    clone,
    logged_in,
    pages_to_crawl,
)


def refused_forms(app) -> dict[str, str]:
    """Pages as they look after a refused form."""
    visitor = app.test_client()
    customer = logged_in(app, *CUSTOMER)
    customer.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    return {
        "login refused": visitor.post("/login", data={"email": "x@example.com",
                                                      "password": "no"}).get_data(as_text=True),
        "register refused": visitor.post("/register", data={"email": "bad"}).get_data(
            as_text=True),
        "payment refused": customer.post("/checkout/payment", data=VISA | {
            "card_number": "4242", "card_expiry": "13/99"}).get_data(as_text=True),
        "shipping refused": customer.post("/checkout/shipping", data={
            "full_name": "", "line1": ""}).get_data(as_text=True),
        "contact refused": visitor.post("/contact", data={}).get_data(as_text=True),
    }


def test_every_page_passes_the_nu_html_checker(app, session, tmp_path: Path):
    world = build_world(app, session)
    roles = {"visitor": None, "customer": logged_in(app, *CUSTOMER),
             "staff": logged_in(app, *STAFF)}
    paypal = clone(app, roles["customer"]).post("/checkout/payment", data={"method": "paypal"})
    pages: dict[str, str] = {}
    for role, client in roles.items():
        for url in pages_to_crawl(app, world, paypal.headers["Location"]):
            response = clone(app, client).get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                pages[f"{role} {url}"] = response.get_data(as_text=True)
    pages |= refused_forms(app)
    files = {}
    for n, (name, html) in enumerate(sorted(pages.items())):
        files[f"file:{tmp_path}/{n}.html"] = name
        (tmp_path / f"{n}.html").write_text(html)
    errors = vnu_errors(sorted(tmp_path.glob("*.html")))
    found = [f"{files.get(e['url'], e['url'])}: line {e.get('lastLine')}: {e['message']} "
             f"[{e.get('extract', '').strip()[:80]}]" for e in errors]
    print(f"vnu: {len(pages)} pages checked, {len(found)} errors")
    assert len(pages) > 40 and not found, "\n".join(found[:60])
