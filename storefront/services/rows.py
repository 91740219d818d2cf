"""Atomic UPDATEs that say how many rows they changed: the claims and stock takes that
decide, in one statement, which of several racing requests wins."""
from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import Session


def changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE (or DELETE) and return the number of rows it changed."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount
