"""Galleries (issue 15): staff upload up to 8 images and order them; the product page shows
each as WebP in two sizes with width and height, the first at once, the rest lazily."""
from __future__ import annotations

import io
import re

from storefront.services import images
from tests.builders import login
from tests.web.test_budgets import wire

STAFF = ("staff@example.com", "Staff-Passw0rd!")
PAGE = "/products/aurora-knight-figure"
GALLERY = "/admin/products/aurora-knight-figure/gallery"


def upload(client, *seeds: str):
    files = [(io.BytesIO(images.placeholder(seed, 700)), f"{seed}.png") for seed in seeds]
    return client.post(GALLERY, data={"images": files}, content_type="multipart/form-data")


def shown(client) -> list[str]:
    return re.findall(r'<img data-testid="gallery-image"[^>]*>', client.get(PAGE)
                      .get_data(as_text=True))


def test_staff_upload_images_that_the_product_page_shows_in_two_sizes(client):
    login(client, *STAFF)
    assert upload(client, "one", "two", "three").status_code == 303
    tags = shown(client)
    assert len(tags) == 4  # the demo picture, then the three
    assert 'fetchpriority="high"' in tags[0] and "loading" not in tags[0]
    assert all('loading="lazy"' in tag and "fetchpriority" not in tag for tag in tags[1:])
    for tag in tags:
        srcset = re.search(r'srcset="([^"]+)"', tag).group(1)
        assert [w for w in re.findall(r" (\d+)w", srcset)] == ["320", "640"]
        assert re.search(r'width="320" height="320"', tag)
        media = re.search(r'src="([^"]+)"', tag).group(1)
        answer = client.get(media)
        assert answer.status_code == 200 and answer.mimetype == "image/webp"


def test_staff_order_and_remove_images(client):
    login(client, *STAFF)
    upload(client, "one", "two")
    before = [re.search(r'src="([^"]+)"', t).group(1) for t in shown(client)]
    client.post(f"{GALLERY}/2/move", data={"to": "up"})
    after = [re.search(r'src="([^"]+)"', t).group(1) for t in shown(client)]
    assert after == [before[0], before[2], before[1]]
    client.post(f"{GALLERY}/0/remove")
    left = [re.search(r'src="([^"]+)"', t).group(1) for t in shown(client)]
    assert left == [before[2], before[1]]
    card = re.search(r'data-slug="aurora-knight-figure".*?</li>', client.get("/")
                     .get_data(as_text=True), re.S).group(0)
    assert left[0] in card  # the catalogue card shows the gallery's new first image


def test_a_product_has_at_most_8_images(client):
    login(client, *STAFF)
    upload(client, *(f"n{i}" for i in range(6)))  # and the demo picture: 7
    refused = upload(client, "eight", "nine")
    assert refused.status_code == 303
    assert "at most 8 images" in client.get("/admin/products/aurora-knight-figure") \
        .get_data(as_text=True)
    assert len(shown(client)) == 7
    upload(client, "eight")
    assert len(shown(client)) == 8


def test_customers_cannot_reach_the_gallery_actions(client):
    login(client)
    assert upload(client, "one").status_code == 404


def test_a_first_visit_to_a_product_with_8_images_keeps_its_byte_budget(app, client):
    """The HTML, CSS, htmx and the one image loaded at once stay within 30 KB + the image;
    the lazy images wait until scrolled to."""
    staff = app.test_client()
    login(staff, *STAFF)
    upload(staff, *(f"n{i}" for i in range(7)))
    page = client.get(PAGE).data
    assets = [open(f"static/{p}", "rb").read() for p in ("css/store.css", "js/store.js")]
    assert wire(page) + sum(wire(a) for a in assets) <= 30 * 1024
    eager = [t for t in shown(client) if 'loading="lazy"' not in t]
    assert len(eager) == 1
