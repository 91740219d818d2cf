"""Watching on the web (issue 15): the watch button with and without htmx, My Account's
watch list, the one-click unsubscribe page, and the staff's watcher counts."""
from __future__ import annotations

import re

from sqlalchemy import select

from storefront.models import Watch
from tests.builders import login

STAFF = ("staff@example.com", "Staff-Passw0rd!")


def button(html: str) -> str:
    return re.search(r'data-testid="watch-button"[^>]*>([^<]+)<', html).group(1)


def test_the_watch_button_works_as_a_plain_form(client):
    login(client)
    assert button(client.get("/products/last-one-artbook").get_data(as_text=True)) == "Watch"
    done = client.post("/products/last-one-artbook/watch")
    assert done.status_code == 303 and done.headers["Location"].endswith(
        "/products/last-one-artbook")
    page = client.get("/products/last-one-artbook").get_data(as_text=True)
    assert button(page) == "Watching"
    account = client.get("/account/").get_data(as_text=True)
    assert 'data-testid="watched-product" data-slug="last-one-artbook"' in account
    assert 'data-testid="watch-list"' in account
    client.post("/products/last-one-artbook/watch")
    assert button(client.get("/products/last-one-artbook").get_data(as_text=True)) == "Watch"


def test_htmx_gets_only_the_button_back(client):
    login(client)
    answer = client.post("/products/pocket-cat-keychain/watch",
                         headers={"HX-Request": "true", "HX-Target": "watch"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in html and button(html) == "Watching"


def test_a_visitor_is_asked_to_sign_in_first(client):
    answer = client.post("/products/last-one-artbook/watch")
    assert answer.status_code == 303 and "/login?next=" in answer.headers["Location"]


def test_one_click_unsubscribe_needs_no_session_and_no_csrf_token(app, session):
    client = app.test_client()
    login(client)
    client.post("/products/last-one-artbook/watch")
    token = session.scalars(select(Watch.token)).one()
    session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        stranger = app.test_client()
        asked = stranger.get(f"/watch/unsubscribe/{token}")
        assert asked.status_code == 200 and session.scalars(select(Watch)).all()
        session.commit()
        done = stranger.post(f"/watch/unsubscribe/{token}",
                             data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and b"no longer watch" in done.data
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert session.scalars(select(Watch)).all() == []


def test_staff_see_how_many_customers_watch_each_product(app, client):
    login(client)
    client.post("/products/last-one-artbook/watch")
    staff = app.test_client()
    login(staff, *STAFF)
    html = staff.get("/admin/products").get_data(as_text=True)
    row = re.search(r'data-slug="last-one-artbook".*?data-testid="watcher-count">(\d+)<',
                    html, re.S)
    assert row.group(1) == "1"
