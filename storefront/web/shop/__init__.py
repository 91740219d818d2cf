"""The catalogue (templates/shop/): the product list with search, filters and pages, the
product page, the release calendar, watching a product, and product images."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("shop", __name__)

from storefront.web.shop import media, routes, seo, watch  # noqa: E402,F401,I001


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["image_url"] = media.image_url
    app.jinja_env.globals["image_srcset"] = media.image_srcset
    app.jinja_env.globals["image_height"] = media.image_height
    app.jinja_env.globals["gallery_images"] = media.gallery_images
    app.jinja_env.globals["product_ld"] = seo.product_ld
