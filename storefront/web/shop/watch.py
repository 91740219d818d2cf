"""Watch lists (issue 15): one tap to watch a product, and the one-click unsubscribe that
watch emails link to (RFC 8058: a mail client POSTs it, with no session and no CSRF token;
the link's secret token is the proof)."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from storefront.extensions import csrf, db
from storefront.services import catalog, watching
from storefront.services.errors import NotFound
from storefront.web.plumbing.rendering import fragment_target, page, see_other, signed_in
from storefront.web.plumbing.transactions import reads_only
from storefront.web.shop import bp


@bp.post("/products/<slug>/watch")
def watch(slug: str) -> Response | str:
    """Watch or stop watching; htmx gets the button back, a plain form the product page."""
    try:
        product = catalog.get_product(db.session, slug[:120])
    except NotFound:
        abort(404)
    back = url_for("shop.product", slug=product.slug)
    if not signed_in():
        return see_other(url_for("auth.login", next=back))
    now_watching = watching.toggle(db.session, current_user, product)
    if fragment_target() == "watch":
        return page("shop/product.html", product=product, watching=now_watching)
    return see_other(back)


@bp.route("/watch/unsubscribe/<token>", methods=["GET", "POST"])
@reads_only
@csrf.exempt
def unsubscribe(token: str) -> str:
    """GET asks (link scanners must not unsubscribe anyone); POST stops the watch at once."""
    if request.method == "GET":
        return page("shop/unsubscribe.html", token=token[:64], done=None)
    product = watching.unsubscribe(db.session, token)
    return page("shop/unsubscribe.html", token=token[:64], done=product or False)
