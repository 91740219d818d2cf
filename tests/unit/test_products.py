"""The staff catalogue service: every field checked, images validated (R-CAT-*, R-SHP-5)."""
from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from storefront.models import OrderLine, ProductImage
from storefront.services import products
from storefront.services.errors import InvalidInput
from tests.builders import confirm, product, ready_checkout, user

GOOD = {"name": "Starlit Witch Figure", "slug": "starlit-witch-figure", "kind": "preorder",
        "price": "54.50", "description": "A 1/8 scale figure.", "release_date": "2031-05-01",
        "preorder_ends": "2031-03-31", "stock": "", "per_order_limit": "2",
        "per_customer_limit": "", "cancellable": "on", "restricted_regions": "FR DE"}


def picture(kind: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, kind)
    return out.getvalue()


def errors_of(session, form: dict, target=None, image=None) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        products.save_product(session, target, form, image)
    session.rollback()
    return caught.value.errors


def test_a_new_preorder_is_saved_with_its_price_in_cents_R_CAT_2(session):
    saved = products.save_product(session, None, GOOD, None)
    assert (saved.price_cents, saved.kind, saved.stock) == (5450, "preorder", None)
    assert saved.release_date == date(2031, 5, 1)
    assert saved.preorder_ends_at.date() == date(2031, 3, 31)
    assert (saved.per_order_limit, saved.per_customer_limit) == (2, None)
    assert saved.restricted_regions == "FR DE" and saved.cancellable


def test_every_bad_field_is_reported_at_once_with_its_own_message_R_CAT_4_R_CAT_5(session):
    bad = GOOD | {"name": " ", "slug": "Starlit Witch", "kind": "raffle", "price": "12.345",
                  "release_date": "2031-13-01", "preorder_ends": "soon", "stock": "-1",
                  "per_order_limit": "0", "per_customer_limit": "two",
                  "restricted_regions": "fr XYZ"}
    found = errors_of(session, bad)
    assert set(found) == {"name", "slug", "kind", "price", "release_date", "preorder_ends",
                          "stock", "per_order_limit", "per_customer_limit",
                          "restricted_regions"}
    assert "YYYY-MM-DD" in found["release_date"] and "fr" in found["restricted_regions"]


@pytest.mark.parametrize("price", ["abc", "", "NaN", "1e30", "0", "-3.00", "1000000.01"])
def test_a_price_is_dollars_and_cents_above_zero_never_a_float(session, price):
    assert "price" in errors_of(session, GOOD | {"price": price})


def test_a_slug_is_unique(session):
    assert "already" in errors_of(session, GOOD | {"slug": "aurora-knight-figure"})["slug"]


def test_a_preorder_needs_a_release_date_and_an_in_stock_product_a_stock_R_CAT_2(session):
    assert "release_date" in errors_of(session, GOOD | {"release_date": ""})
    assert "stock" in errors_of(session, GOOD | {"kind": "instock"})
    closes_late = errors_of(session, GOOD | {"preorder_ends": "2031-06-01"})
    assert "preorder_ends" in closes_late


def test_an_edit_keeps_the_slug_and_writes_nothing_to_orders(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"pocket-cat-keychain": 2})
    confirm(session, me, checkout, seen)
    keychain = product(session, "pocket-cat-keychain")
    form = products.form_of(keychain) | {"price": "15.00", "slug": "renamed", "stock": "7"}
    products.save_product(session, keychain, form, None)
    keychain = product(session, "pocket-cat-keychain")
    assert (keychain.price_cents, keychain.stock) == (1500, 7)
    line = session.scalars(select(OrderLine)).one()
    assert line.unit_price_cents == 1200


def test_saving_a_form_unchanged_changes_nothing(session):
    aurora = product(session, "aurora-knight-figure")
    before = (aurora.preorder_ends_at, aurora.release_date, aurora.price_cents)
    products.save_product(session, aurora, products.form_of(aurora), None)
    aurora = product(session, "aurora-knight-figure")
    assert (aurora.preorder_ends_at, aurora.release_date, aurora.price_cents) == before


def test_with_open_orders_the_release_date_moves_only_with_an_email_R_SHP_5(session):
    me = user(session)
    checkout, seen = ready_checkout(session, me, {"aurora-knight-figure": 1})
    confirm(session, me, checkout, seen)
    aurora = product(session, "aurora-knight-figure")
    found = errors_of(session, products.form_of(aurora) | {"release_date": "2031-12-24"},
                      aurora)
    assert "Change release date" in found["release_date"]


def mine(session, product_id):
    return session.scalars(select(ProductImage).where(ProductImage.product_id == product_id)
                           .order_by(ProductImage.width)).all()


def test_an_upload_becomes_webp_thumbnails_kept_by_digest(session):
    saved = products.save_product(session, None, GOOD, (picture("PNG", (800, 600)), "w.png"))
    stored = mine(session, saved.id)
    assert [(i.content_type, i.width, i.height) for i in stored] == \
        [("image/webp", 160, 120), ("image/webp", 320, 240), ("image/webp", 640, 480)]
    assert all(i.digest == hashlib.sha256(i.data).hexdigest() for i in stored)
    assert saved.image == "media:" + ";".join(f"{i.width}x{i.height}={i.digest}"
                                              for i in stored)
    products.save_product(session, saved, products.form_of(saved), (picture("JPEG"), "w.jpg"))
    assert [(i.width, i.height) for i in mine(session, saved.id)] == [(40, 30)]  # no upscale


@pytest.mark.parametrize("data", [b"not an image at all", picture("GIF"),
                                  picture("PNG")[:60], b"\x89PNG" + b"0" * 3_000_000])
def test_only_png_jpeg_or_webp_images_up_to_2_mb_are_accepted(session, data):
    before = len(session.scalars(select(ProductImage)).all())
    assert "image" in errors_of(session, GOOD, image=(data, "upload.png"))
    assert len(session.scalars(select(ProductImage)).all()) == before


def test_webp_images_are_accepted(session):
    saved = products.save_product(session, None, GOOD, (picture("WEBP"), "w.webp"))
    assert [i.content_type for i in mine(session, saved.id)] == ["image/webp"]
