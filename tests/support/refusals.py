"""Asserting refusals by what they are, never by their wording: the named error and, where
one kind has several causes, the stable code of the cause (storefront/services/errors.py)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


@contextmanager
def refused(kind: type[Exception], code: str | None = None) -> Iterator[Any]:
    """`with refused(CancelRefused, "release_date_changed"): ...`"""
    with pytest.raises(kind) as caught:
        yield caught
    if code is not None:
        assert getattr(caught.value, "code", None) == code, (
            f"refused with {type(caught.value).__name__} code "
            f"{getattr(caught.value, 'code', None)!r}, not {code!r}: {caught.value}")
