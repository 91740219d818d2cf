"""Fixtures the Google/Facebook sign-in tests share."""
from __future__ import annotations

import pytest

from storefront import create_app
from tests.web.social_harness import ProviderServer, store_settings


@pytest.fixture(scope="module")
def provider(database_url):
    """The local OpenID Connect / OAuth 2 providers, served on 127.0.0.1 for a module."""
    server = ProviderServer(database_url)
    yield server
    server.close()


@pytest.fixture()
def store(app, database_url, provider):
    """A test client of a store whose Google and Facebook are the local providers."""
    return create_app(store_settings(database_url, provider)).test_client()
