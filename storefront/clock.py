"""The app's clock: real UTC time, or the time QA set (shared by every process via the DB)."""
from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, date, datetime

_override: ContextVar[datetime | None] = ContextVar("clock_override", default=None)


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _override.get() or datetime.now(UTC)


def today() -> date:
    return now().date()


def use(moment: datetime | None) -> None:
    """Make now() read this moment in the current context (None: real time)."""
    _override.set(moment)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
