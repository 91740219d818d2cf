"""Harness of the social sign-in tests (no tests here): real local providers served on
127.0.0.1 by a QA-mode app in a thread, and the browser-less walk through their sign-in page.
Nothing of Authlib is mocked: the store's client and the providers talk HTTP to each other."""
from __future__ import annotations

import html
import re
import threading
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from storefront import create_app
from storefront.extensions import db
from storefront.web.qa.providers import credentials
from tests.support.app import settings

SECRET_KEY = "test"  # tests.support.app.settings: the providers derive the client secrets from it


class ProviderServer:
    """A QA-mode app serving the local Google and Facebook on a free port, in a thread."""

    def __init__(self, database_url: str, **knobs: Any) -> None:
        self.app = create_app(settings(database_url, QA_MODE=True, **knobs))
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app.config["BASE_URL"] = self.url  # its public address, known once bound
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def store_settings(database_url: str, provider: ProviderServer, **extra: Any) -> dict:
    """A store configured as with the real Google and Facebook, but pointed at `provider`."""
    google_id, google_secret = credentials(SECRET_KEY, "google")
    facebook_id, facebook_secret = credentials(SECRET_KEY, "facebook")
    return settings(database_url, **{
        "GOOGLE_CLIENT_ID": google_id, "GOOGLE_CLIENT_SECRET": google_secret,
        "GOOGLE_METADATA_URL": provider.url + "/_qa/oidc/.well-known/openid-configuration",
        "FACEBOOK_CLIENT_ID": facebook_id, "FACEBOOK_CLIENT_SECRET": facebook_secret,
        "FACEBOOK_AUTHORIZE_URL": provider.url + "/_qa/facebook/dialog/oauth",
        "FACEBOOK_TOKEN_URL": provider.url + "/_qa/facebook/oauth/access_token",
        "FACEBOOK_API_URL": provider.url + "/_qa/facebook/", **extra})


def browser() -> requests.Session:
    http = requests.Session()
    http.trust_env = False  # straight to 127.0.0.1, whatever proxy the environment sets
    return http


def form_action(page: requests.Response) -> str:
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert action, f"no form on {page.url}"
    return urljoin(page.url, html.unescape(action.group(1)))


def provider_page(store: FlaskClient, provider: str = "google", next_url: str = ""
                  ) -> tuple[requests.Session, requests.Response]:
    """Click the store's button and follow it to the provider's sign-in page."""
    start = store.get(f"/auth/{provider}/login", query_string={"next": next_url} if next_url
                      else None)
    assert start.status_code == 302, start.get_data(as_text=True)
    http = browser()
    page = http.get(start.headers["Location"])
    assert page.status_code == 200 and 'name="email"' in page.text and "Sign in" in page.text
    return http, page


def provider_answer(store: FlaskClient, email: str, provider: str = "google",
                    verified: bool = True, cancel: bool = False, next_url: str = ""
                    ) -> SplitResult:
    """Sign in (or cancel) on the provider's page: the redirect back to the store."""
    http, page = provider_page(store, provider, next_url)
    form = {"email": email}
    if verified:
        form["email_verified"] = "1"  # the checkbox is checked unless unticked
    if cancel:
        form["cancel"] = "1"
    answer = http.post(form_action(page), data=form, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == f"/auth/{provider}/callback"
    return back


def sign_in(store: FlaskClient, email: str, provider: str = "google", verified: bool = True,
            cancel: bool = False, next_url: str = "") -> TestResponse:
    """The whole walk: the store's answer to the provider's redirect back."""
    back = provider_answer(store, email, provider, verified, cancel, next_url)
    return store.get(back.path, query_string=back.query)


def count(model: Any) -> int:
    total = db.session.scalar(select(func.count()).select_from(model))
    db.session.rollback()
    return int(total or 0)
