"""Staff pages under /admin: orders, products, accounts (staff role only)."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _staff_only() -> None:
    """Anonymous visitors log in; customers get a 404 (nothing here exists for them)."""
    if not current_user.is_staff:
        abort(404)


def staff_actor() -> str:
    return f"staff:{current_user.email}"


__all__ = ["bp", "staff_actor", "wraps"]
