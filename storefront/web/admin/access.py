"""Back-office roles at the edge: every /admin route names the power it needs; a `staff`
member asking for a manager's route gets a 403 page (customers still get 404)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

from storefront.extensions import db
from storefront.services import audit, roles

F = TypeVar("F", bound=Callable[..., Any])


def requires(power: str, methods: tuple[str, ...] | None = None) -> Callable[[F], F]:
    """Mark a view as needing a power (checked before any blueprint hook runs)."""
    def mark(view: F) -> F:
        view.staff_power = (power, frozenset(methods) if methods else None)  # type: ignore
        return view
    return mark


def power_needed(endpoint: str, method: str) -> str:
    view = current_app.view_functions.get(endpoint)
    power, methods = getattr(view, "staff_power", None) or ("orders", None)
    return power if methods is None or method in methods else "orders"


def _gate() -> None:
    endpoint = request.endpoint or ""
    if not endpoint.startswith("admin"):
        return
    # Visitors and customers are left to the blueprints' own hooks (log in, or 404).
    if not current_user.is_authenticated or not current_user.is_staff:
        return
    if not roles.can(current_user, power_needed(endpoint, request.method)):
        abort(403)
    audit.acting_as(db.session, f"staff:{current_user.email}")


def staff_only() -> None:
    """The back-office blueprints' own hook (behind login_required): customers get a 404."""
    if not (current_user.is_authenticated and current_user.is_staff):
        abort(404)


def init_app(app: Flask) -> None:
    app.before_request(_gate)
