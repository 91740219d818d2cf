"""Login throttles per client address and per account, behind trusted proxies (R-ACC-9).

Each test builds its own app with the limiter on; the limiter is one object shared by every
app in this process, so each resets it afterwards."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from storefront import create_app
from storefront.extensions import limiter
from tests.support.app import settings

RIGHT = "Qa-Passw0rd!"
WRONG = "Wrong-Passw0rd!"


@contextmanager
def throttled(database_url: str, **extra: object) -> Iterator[Flask]:
    app = create_app(settings(database_url, RATELIMIT_ENABLED=True, **extra))
    try:
        limiter.reset()
        yield app
    finally:
        limiter.reset()
        limiter.enabled = False


def attempt(client, email: str, password: str, forwarded_for: str = "") -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/login", data={"email": email, "password": password},
                       headers=headers).status_code


def test_behind_a_trusted_proxy_one_client_cannot_lock_out_another_R_ACC_9(app, database_url):
    """STOREFRONT_PROXY_HOPS=1: the address the proxy saw is the client; a guesser at one
    address is throttled, a customer at another address signs in."""
    with throttled(database_url, PROXY_HOPS=1, LOGIN_RATE_LIMIT="3 per minute") as store:
        client = store.test_client()
        guesser = [attempt(client, f"guess{i}@example.com", WRONG, "203.0.113.7")
                   for i in range(4)]
        customer = attempt(store.test_client(), "qa.us@example.com", RIGHT, "198.51.100.20")
    print(f"proxy hops 1: guesser at 203.0.113.7 -> {guesser}; customer at 198.51.100.20 "
          f"-> {customer}")
    assert guesser == [422, 422, 422, 429]
    assert customer == 303


def test_without_trusted_proxies_forwarded_headers_are_ignored_R_ACC_9(app, database_url):
    """STOREFRONT_PROXY_HOPS=0 (the default): a client cannot escape its bucket by sending
    a new X-Forwarded-For with every attempt."""
    with throttled(database_url, LOGIN_RATE_LIMIT="3 per minute") as store:
        assert store.config["PROXY_HOPS"] == 0
        client = store.test_client()
        codes = [attempt(client, f"guess{i}@example.com", WRONG, f"192.0.2.{i}")
                 for i in range(4)]
    print(f"proxy hops 0: 4 attempts with 4 forged X-Forwarded-For -> {codes}")
    assert codes == [422, 422, 422, 429]


def test_one_account_cannot_be_guessed_from_many_addresses_R_ACC_9(app, database_url):
    """Failed logins count per account from any address, with back-off (minute, hour, day
    windows); other accounts are not affected, and successes cost nothing."""
    with throttled(database_url, PROXY_HOPS=1,
                   ACCOUNT_LOGIN_RATE_LIMIT="3 per minute;5 per hour") as store:
        ok = [attempt(store.test_client(), "qa.fr@example.com", RIGHT, f"198.51.100.{i}")
              for i in range(5)]
        spread = [attempt(store.test_client(), "qa.us@example.com", WRONG, f"203.0.113.{i}")
                  for i in range(4)]
        right_password = attempt(store.test_client(), "qa.us@example.com", RIGHT,
                                 "198.51.100.99")
        other = attempt(store.test_client(), "QA.FR@example.com ", RIGHT, "203.0.113.1")
    print(f"per account: 5 good logins of qa.fr -> {ok}; 4 wrong passwords for qa.us from 4 "
          f"addresses -> {spread}; then the right one -> {right_password}; qa.fr from a "
          f"guessing address -> {other}")
    assert ok == [303] * 5
    assert spread == [422, 422, 422, 429]
    assert right_password == 429
    assert other == 303


def test_the_429_page_says_to_wait_and_is_short_R_ACC_9(app, database_url):
    with throttled(database_url, ACCOUNT_LOGIN_RATE_LIMIT="1 per minute") as store:
        client = store.test_client()
        attempt(client, "qa.us@example.com", WRONG)
        response = client.post("/login", data={"email": "qa.us@example.com", "password": RIGHT})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
