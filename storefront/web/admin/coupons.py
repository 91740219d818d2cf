"""Staff page for coupons: list, create, disable (R-CHK-7)."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, request, url_for
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.services import coupons
from storefront.services.errors import InvalidInput, ServiceError
from storefront.web.admin import access, bp
from storefront.web.plumbing.rendering import form_values, page, see_other

FIELDS = ("code", "kind", "value", "min_spend", "starts_at", "ends_at")




def _day(text: str, field: str, errors: dict[str, str]) -> datetime | None:
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC)
    except ValueError:
        errors[field] = "Enter a date as YYYY-MM-DD."
        return None


@bp.route("/coupons/", methods=["GET", "POST"])
@access.requires("coupons")
def coupons_page() -> Response | tuple[str, int]:
    """Every coupon, and the form for a new one."""
    values, errors = form_values(*FIELDS), dict[str, str]()
    if request.method == "POST":
        starts = _day(values["starts_at"], "starts_at", errors)
        ends = _day(values["ends_at"], "ends_at", errors)
        try:
            if errors:
                raise InvalidInput(errors)
            made = coupons.create(db.session, code=values["code"], kind=values["kind"],
                                  value=values["value"], min_spend=values["min_spend"],
                                  starts_at=starts, ends_at=ends,
                                  once_per_customer=bool(request.form.get("once")))
        except InvalidInput as exc:
            db.session.rollback()
            return page("admin/coupons.html", coupons=coupons.all_coupons(db.session),
                        values=values, errors=exc.errors), 422
        flash(f"Coupon {made.code} created.", "success")
        return see_other(url_for("admin.coupons_page"))
    return page("admin/coupons.html", coupons=coupons.all_coupons(db.session),
                values=values | {"kind": "percent"}, errors={}), 200


@bp.post("/coupons/<code>/active")
@access.requires("coupons")
def coupon_toggle(code: str) -> Response:
    """Disable a coupon, or enable it again."""
    try:
        made = coupons.set_active(db.session, code, request.form.get("active") == "1")
        flash(f"Coupon {made.code} {'enabled' if made.active else 'disabled'}.", "success")
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return see_other(url_for("admin.coupons_page"))
