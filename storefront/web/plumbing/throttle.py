"""Login throttles: per client address and per account, each with back-off (R-ACC-9).

The client address is the TCP peer, or with STOREFRONT_PROXY_HOPS = N the address the N-th
trusted proxy saw (Werkzeug's ProxyFix, set up in create_app), so customers behind one
proxy never share a bucket. Per account, only failed logins count, from any address: one
address cannot guess many passwords, many addresses cannot guess one. Each limit is a list
of windows (a minute, an hour, a day): an attempt must fit them all, so a client or an
account that keeps failing waits longer and longer (the back-off)."""
from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from storefront.services import accounts


def address_limit() -> str:
    """Login, registration and reset POSTs per client address."""
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def account_limit() -> str:
    """Failed logins per account, from any address."""
    return str(current_app.config["ACCOUNT_LOGIN_RATE_LIMIT"])


def client_address() -> str:
    return get_remote_address()


def posted_account() -> str:
    """The bucket of the account a login form names (unknown emails get one too, so the
    answer never tells whether an account exists)."""
    return "login-account:" + accounts.normal_email(request.form.get("email", ""))[:254]


def login_failed(response: Response) -> bool:
    """Only a refused password costs the account an attempt; a success costs nothing."""
    return response.status_code == 422
