"""Every reliability test ends with the money invariant (issue 11, tests/money.py)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from storefront.extensions import db
from tests.money import assert_money_adds_up


@pytest.fixture(autouse=True)
def _money_adds_up(app: Flask) -> Iterator[None]:
    yield
    with app.app_context():
        assert_money_adds_up(db.session)
    db.session.remove()
