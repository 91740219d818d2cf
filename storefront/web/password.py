"""(being written)"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("password", __name__)


@bp.get("/password/forgot")
def forgot() -> str:
    """Placeholder until the reset flow lands."""
    return ""
