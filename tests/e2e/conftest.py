"""End-to-end fixtures: a live QA instance (gunicorn, QA mode, fresh SQLite file) and Debian's
Chromium driven by pytest-playwright. Fixtures only: the launcher, the QA client and the
page helpers live in tests/support/e2e.py.
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.e2e import (
    STORE_DATABASES,
    qa_post,
    running_store,
    with_timeouts,
)


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """`make qa` in a temp folder: migrate, seed, gunicorn with 2 workers in QA mode."""
    with running_store(request, "qa", QA_MODE="1") as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_store(live_server: str) -> Iterator[None]:
    """Every test starts from the demo data (POST /_qa/reset), independent of the others,
    and ends with the money invariant (tests/money.py): what the test provider keeps is what
    the store's orders say was paid and not refunded, per customer."""
    qa_post(live_server, "/_qa/reset")
    yield
    from tests.money import assert_money_adds_up_in

    assert_money_adds_up_in(STORE_DATABASES[live_server])


# --------------------------------------------------------------------------- browser

@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright gives every context this base URL, so page.goto("/cart/") works."""
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Debian's Chromium, headless; a missing browser fails the run, never skips it."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: the end-to-end tests need Debian's Chromium "
                    "(`make chromium` or `apt-get install chromium`).", pytrace=False)
    return {"executable_path": CHROMIUM, "headless": True, "args": list(CHROMIUM_ARGS)}


@pytest.fixture
def context(new_context) -> BrowserContext:
    """A browser context with JavaScript (htmx swaps fragments)."""
    return with_timeouts(new_context())


@pytest.fixture
def no_js_page(new_context) -> Page:
    """A page in a context with JavaScript disabled: plain links and form posts."""
    return with_timeouts(new_context(java_script_enabled=False)).new_page()
