"""How the test provider answers (QA contract, "money under faults"): per operation, a
decline (a definite no), an outage (no answer, nothing done) or a lost answer (done, but the
answer never arrives). Kept in the settings table so every app process sees the same."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.models import Setting

OPERATIONS = ("authorize", "capture", "charge", "void", "refund", "lookup", "setup")
MODES = ("decline", "outage", "lose_answers")


class BadFaults(ValueError):
    """The fault description names an unknown mode or operation."""


def parse(body: Any) -> dict[str, list[str]]:
    """{"decline": [...], "outage": [...], "lose_answers": [...]} checked; {} = normal."""
    if not isinstance(body, dict):
        raise BadFaults("Send a JSON object.")
    wanted: dict[str, list[str]] = {}
    for mode, operations in body.items():
        if mode not in MODES:
            raise BadFaults(f"Unknown fault {mode!r}; known: {', '.join(MODES)}.")
        if not isinstance(operations, list) or not all(o in OPERATIONS for o in operations):
            raise BadFaults(f"{mode} takes a list among {', '.join(OPERATIONS)}.")
        wanted[mode] = sorted(set(operations))
    return wanted


def store(session: Session, wanted: dict[str, list[str]]) -> None:
    """Replace the faults (in the caller's transaction)."""
    for mode in MODES:
        row = session.get(Setting, f"gateway_{mode}") or Setting(key=f"gateway_{mode}")
        row.value = " ".join(wanted.get(mode, []))
        session.add(row)


def current(session: Session) -> dict[str, list[str]]:
    rows = session.scalars(select(Setting).where(
        Setting.key.in_([f"gateway_{m}" for m in MODES])))
    return {r.key.removeprefix("gateway_"): (r.value or "").split() for r in rows
            if r.value}


def active(sessions: Callable[[], Session], operation: str) -> str:
    """The fault mode that applies to an operation now, or ""."""
    with sessions() as s:
        for mode, operations in current(s).items():
            if operation in operations:
                return mode
    return ""
