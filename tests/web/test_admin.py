"""Staff pages: orders, shipping dates, shipping, returns, products, accounts (R-SHP-*, R-RET-*,
R-PAY-3, R-CAT-*), and the `flask staff` commands that do the same from scripts."""
from __future__ import annotations

import hashlib
import io
import os
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from storefront import clock, create_app
from storefront.cli_staff import staff
from storefront.extensions import db
from storefront.models import Email, Order, Product, TestGatewayCharge
from storefront.services import aftercare
from storefront.web.shop import media
from tests.builders import confirm, counted, customer, login, ready_checkout, user
from tests.support.app import settings

STAFF = ("staff@example.com", "Staff-Passw0rd!")


def place(session, items: dict[str, int], email: str = "qa.us@example.com") -> str:
    """An order placed through the checkout service; its number."""
    person = user(session, email)
    checkout, seen = ready_checkout(session, person, items)
    return confirm(session, person, checkout, seen).orders[0].number


def order(number: str) -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order).where(Order.number == number)).one()


def mails(kind: str) -> list[Email]:
    return list(db.session.scalars(select(Email).where(Email.kind == kind)))


def flash(response) -> tuple[str, str]:
    """The last flash message on the page: (level, text)."""
    text = response.get_data(as_text=True)
    found = re.findall(r'data-level="(\w+)" role="status">([^<]*)<', text)
    return found[-1] if found else ("", "")


@pytest.fixture()
def staff_client(client):
    login(client, *STAFF)
    return client


def in_days(days: int) -> str:
    return (clock.today() + timedelta(days=days)).isoformat()


ROUTES = [("get", "/admin/"), ("get", "/admin/orders/SF-AAAA-BBBB"),
          ("post", "/admin/orders/SF-AAAA-BBBB/shipping-date"),
          ("post", "/admin/orders/SF-AAAA-BBBB/shipped"),
          ("post", "/admin/orders/SF-AAAA-BBBB/returned"),
          ("post", "/admin/orders/SF-AAAA-BBBB/exchange"), ("get", "/admin/products"),
          ("get", "/admin/products/new"), ("post", "/admin/products/new"),
          ("get", "/admin/products/aurora-knight-figure"),
          ("post", "/admin/products/aurora-knight-figure"),
          ("post", "/admin/products/aurora-knight-figure/release-date"),
          ("post", "/admin/products/aurora-knight-figure/shipping-date"),
          ("get", "/admin/accounts/1"), ("post", "/admin/accounts/1/restrict")]


def test_customers_get_404_and_visitors_are_sent_to_log_in_on_every_admin_route(client):
    for method, path in ROUTES:
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    login(client)
    for method, path in ROUTES:
        assert getattr(client, method)(path).status_code == 404, path
    assert product_price("aurora-knight-figure") == 18999


def product_price(slug: str) -> int:
    db.session.expire_all()
    return db.session.scalars(select(Product.price_cents).where(Product.slug == slug)).one()


def test_admin_opens_on_the_orders_list_searchable_by_number_and_email(session, staff_client):
    number = place(session, {"pocket-cat-keychain": 1})
    page = staff_client.get("/admin").headers["Location"]
    text = staff_client.get(page).get_data(as_text=True)
    assert 'data-testid="admin-orders"' in text
    assert f'data-testid="order-row" data-order-number="{number}"' in text
    assert f'href="/admin/orders/{number}"' in text
    assert 'data-testid="admin-nav-orders" href="/admin/"' in text
    assert 'data-testid="admin-nav-products" href="/admin/products"' in text
    assert number in staff_client.get("/admin/?q=qa.us@").get_data(as_text=True)
    assert number not in staff_client.get("/admin/?q=nobody").get_data(as_text=True)
    assert number not in staff_client.get("/admin/?status=shipped").get_data(as_text=True)
    only_rows = staff_client.get("/admin/?payment=paid",
                                 headers={"HX-Request": "true", "HX-Target": "results"})
    assert number in only_rows.get_data(as_text=True)
    assert "admin-nav-orders" not in only_rows.get_data(as_text=True)


def test_the_orders_list_takes_the_same_number_of_queries_for_any_number_of_orders(
        session, staff_client):
    place(session, {"pocket-cat-keychain": 1})
    staff_client.get("/admin/")
    with counted() as statements:
        staff_client.get("/admin/")
    for email in ("b@example.com", "c@example.com", "d@example.com"):
        customer(session, email)
        place(session, {"pocket-cat-keychain": 1}, email)
    staff_client.get("/admin/")
    with counted() as more:
        text = staff_client.get("/admin/").get_data(as_text=True)
    assert text.count('data-testid="order-row"') == 4
    assert len(more) == len(statements)


def test_finalizing_a_shipping_date_emails_it_and_charges_the_preorder_R_PAY_3_R_SHP_3(
        session, staff_client):
    number = place(session, {"aurora-knight-figure": 1})
    page = staff_client.get(f"/admin/orders/{number}").get_data(as_text=True)
    assert 'data-testid="finalize-shipping-date"' in page and 'name="shipping_date"' in page
    assert 'data-testid="mark-shipped"' not in page  # not paid yet
    response = staff_client.post(f"/admin/orders/{number}/shipping-date",
                                 data={"shipping_date": in_days(10)})
    assert response.status_code == 303
    assert flash(staff_client.get(response.headers["Location"])) == \
        ("success", f"Shipping date {in_days(10)}: 1 customer emailed.")
    placed = order(number)
    assert (placed.shipping_date.isoformat(), placed.payment_status) == (in_days(10), "paid")
    assert [e.to for e in mails("shipping_date")] == ["qa.us@example.com"]
    charges = db.session.scalars(select(TestGatewayCharge)).all()
    assert [(c.kind, c.amount_cents) for c in charges] == [("charge", placed.total_cents)]


def test_a_past_shipping_date_is_a_field_error_and_nothing_is_sent(session, staff_client):
    number = place(session, {"aurora-knight-figure": 1})
    response = staff_client.post(f"/admin/orders/{number}/shipping-date",
                                 data={"shipping_date": in_days(-1)})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'data-field="shipping_date"' in text and f'value="{in_days(-1)}"' in text
    assert mails("shipping_date") == [] and order(number).payment_status == "incomplete"


def test_marking_shipped_emails_the_carrier_and_tracking_number_R_SHP_2(session, staff_client):
    number = place(session, {"pocket-cat-keychain": 2})
    missing = staff_client.post(f"/admin/orders/{number}/shipped", data={"carrier": "UPS"})
    kept = missing.get_data(as_text=True)
    assert missing.status_code == 422 and 'data-field="tracking_number"' in kept
    assert 'name="carrier" type="text" value="UPS"' in kept
    done = staff_client.post(f"/admin/orders/{number}/shipped",
                             data={"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})
    assert done.status_code == 303
    assert (order(number).status, order(number).tracking_number) == ("shipped",
                                                                     "1Z999AA10123456784")
    (email,) = mails("shipped")
    assert "UPS" in email.text and "1Z999AA10123456784" in email.text


def test_shipping_an_unpaid_order_is_refused_with_a_flash_never_a_500(session, staff_client):
    number = place(session, {"aurora-knight-figure": 1})
    response = staff_client.post(f"/admin/orders/{number}/shipped",
                                 data={"carrier": "UPS", "tracking_number": "1Z"},
                                 follow_redirects=True)
    assert flash(response) == ("error", "Only paid orders can ship.")
    assert order(number).status == "placed"


def ship(client, number: str) -> None:
    client.post(f"/admin/orders/{number}/shipped",
                data={"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})


def test_a_returned_parcel_cancels_and_refunds_paid_minus_round_trip_R_RET_4(
        session, staff_client):
    number = place(session, {"pocket-cat-keychain": 2})  # 24.00 + 18.00, paid at confirmation
    ship(staff_client, number)
    assert 'data-testid="mark-returned"' in staff_client.get(
        f"/admin/orders/{number}").get_data(as_text=True)
    response = staff_client.post(f"/admin/orders/{number}/returned",
                                 data={"round_trip_shipping": "36.00"}, follow_redirects=True)
    assert flash(response) == ("success", "Marked as returned and cancelled; refunded $6.00.")
    returned = order(number)
    assert (returned.status, returned.refunded_cents) == ("returned", 600)
    refunds = db.session.scalars(select(TestGatewayCharge).where(
        TestGatewayCharge.kind == "refund")).all()
    assert [r.amount_cents for r in refunds] == [600]
    assert [e.kind for e in db.session.scalars(select(Email).where(
        Email.kind.in_(("cancelled", "refund"))).order_by(Email.id))] == ["cancelled", "refund"]


def test_a_refund_is_never_below_zero_and_bad_amounts_are_field_errors_R_RET_4(
        session, staff_client):
    number = place(session, {"pocket-cat-keychain": 1})
    ship(staff_client, number)
    bad = staff_client.post(f"/admin/orders/{number}/returned",
                            data={"round_trip_shipping": "thirty"})
    assert bad.status_code == 422 and 'data-field="round_trip_shipping"' in bad.get_data(
        as_text=True)
    staff_client.post(f"/admin/orders/{number}/returned", data={"round_trip_shipping": "99.00"})
    assert (order(number).status, order(number).refunded_cents) == ("returned", 0)


def test_staff_approve_an_exchange_and_a_replacement_shipment_is_made_R_RET_2(
        session, staff_client):
    number = place(session, {"pocket-cat-keychain": 1})
    ship(staff_client, number)
    aftercare.request_exchange(db.session, order(number), user(db.session),
                               "The keyring arrived snapped in two.")
    page = staff_client.get(f"/admin/orders/{number}").get_data(as_text=True)
    assert 'data-testid="approve-exchange"' in page and "snapped in two" in page
    assert staff_client.post(f"/admin/orders/{number}/exchange").status_code == 303
    db.session.expire_all()
    assert [e.status for e in order(number).exchanges] == ["approved"]
    assert len(mails("exchange_approved")) == 1
    again = staff_client.post(f"/admin/orders/{number}/exchange", follow_redirects=True)
    assert flash(again)[0] == "error"


def test_a_release_date_change_emails_every_customer_with_an_open_order_R_SHP_5(
        session, staff_client):
    customer(session, "b@example.com")
    place(session, {"aurora-knight-figure": 1})
    place(session, {"aurora-knight-figure": 1}, "b@example.com")
    page = staff_client.get("/admin/products/aurora-knight-figure").get_data(as_text=True)
    assert 'data-testid="change-release-date"' in page and "2 open orders" in page
    response = staff_client.post("/admin/products/aurora-knight-figure/release-date",
                                 data={"release_date": in_days(200)}, follow_redirects=True)
    assert flash(response) == ("success", f"Release date is {in_days(200)}: 2 customers emailed.")
    assert sorted(e.to for e in mails("release_date_changed")) == ["b@example.com",
                                                                   "qa.us@example.com"]


def test_one_shipping_date_for_every_open_order_of_a_product_R_PAY_3(session, staff_client):
    customer(session, "b@example.com")
    first = place(session, {"aurora-knight-figure": 1})
    second = place(session, {"aurora-knight-figure": 1}, "b@example.com")
    response = staff_client.post("/admin/products/aurora-knight-figure/shipping-date",
                                 data={"shipping_date": in_days(5)}, follow_redirects=True)
    assert flash(response) == ("success", f"Shipping date {in_days(5)}: 2 customers emailed.")
    assert {order(n).payment_status for n in (first, second)} == {"paid"}
    bad = staff_client.post("/admin/products/aurora-knight-figure/shipping-date",
                            data={"shipping_date": "next week"}, follow_redirects=True)
    assert flash(bad) == ("error", "Enter a date as YYYY-MM-DD.")


def test_a_restricted_account_can_no_longer_check_out_R_RET_5(session, staff_client):
    account_id = user(session).id
    page = staff_client.get(f"/admin/accounts/{account_id}").get_data(as_text=True)
    assert 'data-testid="restrict-account"' in page
    empty = staff_client.post(f"/admin/accounts/{account_id}/restrict", data={"reason": " "})
    assert empty.status_code == 422 and 'data-field="reason"' in empty.get_data(as_text=True)
    staff_client.post(f"/admin/accounts/{account_id}/restrict",
                      data={"reason": "Refused delivery twice."})
    staff_client.post("/logout")
    login(staff_client)
    staff_client.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1"})
    refused = staff_client.get("/checkout/", follow_redirects=True)
    assert flash(refused) == ("error", "This account can no longer place orders "
                                       "(Refused delivery twice.). Please contact support.")
    assert len(mails("account_restricted")) == 1


def png(size: tuple[int, int] = (20, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 90, 200)).save(out, "PNG")
    return out.getvalue()


NEW = {"name": "Starlit Witch Figure", "slug": "starlit-witch-figure", "kind": "preorder",
       "price": "54.50", "release_date": "2031-05-01", "preorder_ends": "2031-03-31",
       "per_order_limit": "2", "cancellable": "on", "restricted_regions": "FR"}


def test_a_product_with_bad_input_shows_field_errors_and_keeps_what_was_typed_R_CAT_2(
        staff_client):
    form = NEW | {"price": "54,5O", "slug": "Starlit Witch", "release_date": ""}
    response = staff_client.post("/admin/products/new", data=form)
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="admin-product-form"' in text
    for name in ("price", "slug", "release_date"):
        assert f'data-field="{name}"' in text
    assert 'value="54,5O"' in text and 'value="Starlit Witch Figure"' in text


def test_staff_create_and_edit_a_product_with_a_validated_image_R_CAT_2(staff_client):
    data = NEW | {"image": (io.BytesIO(png()), "witch.png")}
    created = staff_client.post("/admin/products/new", data=data,
                                content_type="multipart/form-data")
    assert created.headers["Location"] == "/admin/products/starlit-witch-figure"
    listing = staff_client.get("/admin/products?kind=preorder").get_data(as_text=True)
    assert 'data-testid="product-row" data-slug="starlit-witch-figure"' in listing
    image = db.session.scalars(select(Product.image).where(
        Product.slug == "starlit-witch-figure")).one()
    assert image.startswith("media:") and "=" in image
    edit = NEW | {"price": "60.00", "image": (io.BytesIO(b"GIF89a not really"), "x.png")}
    refused = staff_client.post("/admin/products/starlit-witch-figure", data=edit,
                                content_type="multipart/form-data")
    assert refused.status_code == 422 and 'data-field="image"' in refused.get_data(as_text=True)
    assert product_price("starlit-witch-figure") == 5450
    staff_client.post("/admin/products/starlit-witch-figure", data=NEW | {"price": "60.00"})
    assert product_price("starlit-witch-figure") == 6000


def test_an_image_above_the_site_wide_body_limit_still_reaches_its_own_2_mb_check(
        staff_client):
    noisy = Image.frombytes("RGB", (640, 640), os.urandom(640 * 640 * 3))
    out = io.BytesIO()
    noisy.save(out, "PNG")
    assert 1024 * 1024 < len(out.getvalue()) < 2 * 1024 * 1024
    data = NEW | {"image": (io.BytesIO(out.getvalue()), "big.png")}
    created = staff_client.post("/admin/products/new", data=data,
                                content_type="multipart/form-data")
    assert created.status_code == 303


def test_uploaded_images_are_served_by_digest_and_cached_for_a_year(database_url, app):
    served = create_app(settings(database_url))
    client = served.test_client()
    login(client, *STAFF)
    client.post("/admin/products/new", data=NEW | {"image": (io.BytesIO(png()), "w.png")},
                content_type="multipart/form-data")
    with served.test_request_context():
        url = media.image_url(db.session.scalars(select(Product).where(
            Product.slug == "starlit-witch-figure")).one())
    digest = url.removeprefix("/media/products/").removesuffix(".webp")
    response = client.get(url)
    assert hashlib.sha256(response.data).hexdigest() == digest
    assert response.mimetype == "image/webp"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/media/products/{digest}.jpg").status_code == 404


def test_the_staff_commands_act_as_the_pages_do_and_fail_loudly_R_SHP_2(app, session):
    number = place(session, {"pocket-cat-keychain": 1})
    runner = app.test_cli_runner(env={"STOREFRONT_STAFF_EMAIL": "staff@example.com"})
    shipped = runner.invoke(staff, ["mark-shipped", number, "UPS", "1Z999"])
    assert shipped.exit_code == 0 and "shipped with UPS 1Z999" in shipped.output
    again = runner.invoke(staff, ["mark-shipped", number, "UPS", "1Z999"])
    assert again.exit_code == 1 and "cannot go from shipped to shipped" in again.output
    priced = runner.invoke(staff, ["set-product", "pocket-cat-keychain", "--price", "13.00"])
    assert priced.exit_code == 0 and product_price("pocket-cat-keychain") == 1300
    bad = runner.invoke(staff, ["set-product", "pocket-cat-keychain", "--stock", "-2"])
    assert bad.exit_code == 1 and "stock:" in bad.output
    moved = runner.invoke(staff, ["change-release-date", "aurora-knight-figure", in_days(300)])
    assert moved.exit_code == 0 and "0 customer(s) emailed" in moved.output
    restricted = runner.invoke(staff, ["restrict-account", "qa.fr@example.com",
                                       "--reason", "Refused delivery."])
    assert restricted.exit_code == 0
    assert runner.invoke(staff, ["finalize-shipping-date", in_days(3)]).exit_code == 2
