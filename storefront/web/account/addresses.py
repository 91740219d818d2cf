"""The address book on My Account: list, add, edit, remove, choose a default (R-ACC-5)."""
from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from storefront.extensions import db
from storefront.models import ADDRESS_FIELDS, Address, User
from storefront.services import accounts, addresses
from storefront.services.errors import InvalidInput, NotFound
from storefront.web.account import bp
from storefront.web.plumbing.rendering import form_values, page, see_other


def _me() -> User:
    # Flask-Login may cache the user from an ended session: read the book in this one.
    user = accounts.load_user(db.session, current_user.id)
    if user is None:
        abort(404)
    return user


def _own(user: User, address_id: int) -> Address:
    """The customer's own address; anyone else's is 404."""
    try:
        return addresses.get_own(db.session, user, address_id)
    except NotFound:
        abort(404)


def _book(values: dict | None = None, errors: dict | None = None, status: int = 200
          ) -> tuple[str, int]:
    user = _me()
    return page("account/addresses.html", user=user, book=addresses.entries(user),
                lines=addresses.lines, values=values or {}, errors=errors or {}), status


def _done(message: str) -> Response:
    flash(message, "success")
    return see_other(url_for("account.address_book"))


@bp.get("/addresses/")
def address_book() -> tuple[str, int]:
    """The saved addresses, the default first, with the form for a new one."""
    return _book()


@bp.post("/addresses/")
def address_add() -> Response | tuple[str, int]:
    """Save a new address, checked for the account region's country (R-ACC-5)."""
    values = form_values(*ADDRESS_FIELDS, "make_default")
    try:
        addresses.add(db.session, _me(), values, bool(values["make_default"]))
    except InvalidInput as exc:
        db.session.rollback()
        return _book(values | {"new": "1"}, exc.errors, 422)
    return _done("The address has been saved.")


@bp.route("/addresses/<int:address_id>", methods=["GET", "POST"])
def address_edit(address_id: int) -> Response | tuple[str, int]:
    """Correct a saved address; orders already placed keep theirs (R-SHP-4)."""
    user = _me()
    address = _own(user, address_id)
    if request.method == "GET":
        return page("account/address_edit.html", user=user, address=address,
                    values=address.snapshot(), errors={}), 200
    values = form_values(*ADDRESS_FIELDS)
    try:
        addresses.update(db.session, user, address.id, values)
    except InvalidInput as exc:
        db.session.rollback()
        return page("account/address_edit.html", user=_me(), address=address, values=values,
                    errors=exc.errors), 422
    return _done("The address has been updated.")


@bp.post("/addresses/<int:address_id>/remove")
def address_remove(address_id: int) -> Response:
    """Forget a saved address; placed orders keep theirs (R-SHP-4)."""
    user = _me()
    addresses.remove(db.session, user, _own(user, address_id).id)
    return _done("The address has been removed.")


@bp.post("/addresses/<int:address_id>/default")
def address_default(address_id: int) -> Response:
    """The address checkout proposes first."""
    user = _me()
    addresses.set_default(db.session, user, _own(user, address_id).id)
    return _done("Your default address has been changed.")
