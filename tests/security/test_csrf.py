"""CSRF on every state-changing route (issue 7, item 7).

With CSRF protection on (as in production), every POST/PUT/PATCH/DELETE route of app.url_map,
its URL filled with real demo data, is refused without a token, with a forged token and with
another session's token, as a plain form post and as an htmx request; and accepted with the
token a page carries (its hidden csrf_token input, or the X-CSRFToken header the layout gives
htmx in hx-headers). Only what is exempt by design is left out, listed below with why."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask

from storefront import create_app
from storefront.extensions import csrf
from tests.security.world import (
    CUSTOMER,
    STAFF,
    STATE_CHANGING,
    build_world,
    clone,
    fill,
    hidden_value,
    logged_in,
    rules,
)
from tests.support.app import settings

ROOT = Path(__file__).resolve().parents[2]
# Blueprints exempt from CSRF by design; all are registered only in QA mode, under /_qa/.
EXEMPT_BY_DESIGN = {
    "qa": "the QA endpoints (/_qa/reset, /_qa/clock, /_qa/run-due-jobs): JSON for QA "
          "scripts, QA mode only (the app refuses QA mode in production)",
}
# Views exempt by design: the local stand-ins for Google and Facebook (QA mode only, under
# /_qa/) have token, userinfo and access_token endpoints the store's OAuth client calls
# server to server, as Google's and Facebook's are; their sign-in forms carry a token.
EXEMPT_VIEWS = {
    "storefront.web.qa.providers.pages.google_token": "qa_oidc.token",
    "storefront.web.qa.providers.oidc.userinfo": "qa_oidc.userinfo",
    "storefront.web.qa.providers.pages.facebook_access_token": "qa_facebook.access_token",
    "storefront.web.shop.watch.unsubscribe": "shop.unsubscribe",
}
# Where csrf.exempt is used in storefront/, by what it exempts (found by reading the source).
# stripe_webhook.bp: Stripe's server posts events there, signed with the endpoint's secret
# (checked before anything is read; tests/web/test_stripe_webhook.py); stripe gateway only.
# @watch: RFC 8058 one-click unsubscribe: mail clients POST it without a session or a CSRF
# token; the secret token in its URL is the proof, and it only stops a watch (issue 15).
EXEMPT_CALLS = {"bp", "view", "stripe_webhook.bp", "@watch"}
EXPIRED = "This form has expired"


def test_csrf_is_exempted_only_for_the_qa_blueprints_by_design(database_url, app):
    calls = set()
    for path in sorted((ROOT / "storefront").rglob("*.py")):
        text = path.read_text()
        calls |= set(re.findall(r"csrf\.exempt\(\s*([\w.]+)\s*\)", text))
        calls |= {f"@{path.stem}" for _ in re.findall(r"@csrf\.exempt\b", text)}
        calls |= {f"{path.stem}:{m}" for m in re.findall(r"WTF_CSRF_(?:ENABLED|CHECK_DEFAULT)"
                                                        r"\W+False", text)}
    qa = create_app(settings(database_url, QA_MODE=True, WTF_CSRF_ENABLED=True))
    exempt = {bp.name for bp in csrf._exempt_blueprints if qa.blueprints.get(bp.name) is bp}
    exempt_routes = [r.rule for r in qa.url_map.iter_rules() if r.endpoint.split(".")[0]
                     in exempt or r.endpoint in EXEMPT_VIEWS.values()]
    summary = (f"csrf exemptions: csrf.exempt used on {sorted(calls)} in storefront/; exempt "
               f"blueprints in QA mode {sorted(exempt)} ({len(exempt_routes)} routes, all "
               f"under /_qa/); exempt views {sorted(csrf._exempt_views)}")
    print(summary)
    assert calls == EXEMPT_CALLS, summary
    assert exempt == set(EXEMPT_BY_DESIGN), summary
    # Everything exempt is QA mode's, under /_qa/, but the one-click unsubscribe (RFC 8058).
    assert all(r.startswith(("/_qa/", "/watch/unsubscribe/")) for r in exempt_routes), summary
    assert set(csrf._exempt_views) == set(EXEMPT_VIEWS), summary
    store = create_app(settings(database_url, WTF_CSRF_ENABLED=True))
    assert not any(r.rule.startswith("/_qa/") for r in store.url_map.iter_rules())


def tokens_of(browser) -> tuple[str, str]:
    """(hidden csrf_token input, X-CSRFToken of the layout's hx-headers) of a page."""
    page = browser.get("/contact").get_data(as_text=True)  # a form on it for everyone
    found = re.search(r"hx-headers(?::inherited)?='([^']*)'", page)
    header = json.loads(found.group(1))["X-CSRFToken"] if found else ""
    return hidden_value(page, "csrf_token"), header


def role_for(rule) -> str:
    """Who can reach the route's view, so an accepted token is really tried on the view."""
    if rule.rule.startswith("/admin"):
        return "staff"
    return "customer"


@pytest.mark.parametrize("mode", ["store", "qa-mode"])
def test_every_state_changing_route_refuses_requests_without_a_valid_token(
        database_url, app, session, mode):
    strict: Flask = create_app(settings(database_url, WTF_CSRF_ENABLED=True,
                                        QA_MODE=mode == "qa-mode"))
    world = build_world(strict, session)
    base = {"anonymous": None, "customer": logged_in(strict, *CUSTOMER),
            "staff": logged_in(strict, *STAFF)}
    stranger_token = tokens_of(strict.test_client())[0]  # valid, but for another session
    assert stranger_token
    values = world.url_values()
    refused, accepted, routes, skipped = 0, 0, [], []
    problems: list[str] = []
    for rule in rules(strict, STATE_CHANGING):
        if rule.endpoint.split(".")[0] in EXEMPT_BY_DESIGN or \
                rule.endpoint in EXEMPT_VIEWS.values():
            skipped.append(rule.rule)
            continue
        url = fill(rule, values)
        assert url is not None, f"no demo value for a variable of {rule.rule}"
        for method in sorted(rule.methods & STATE_CHANGING):
            routes.append(f"{method} {rule.rule}")
            for role, client in base.items():
                for name, data, headers in (
                        ("form post", {}, {}),
                        ("htmx", {}, {"HX-Request": "true", "HX-Target": "main"}),
                        ("forged token", {"csrf_token": "forged"}, {}),
                        ("forged header", {}, {"HX-Request": "true", "X-CSRFToken": "forged"}),
                        ("another session's token", {"csrf_token": stranger_token}, {})):
                    response = clone(strict, client).open(url, method=method, data=data,
                                                          headers=headers)
                    if response.status_code == 400 and EXPIRED in response.get_data(
                            as_text=True):
                        refused += 1
                    else:
                        problems.append(f"{role} {method} {url} ({name}): not refused, "
                                        f"{response.status_code}")
            browser = clone(strict, base[role_for(rule)])
            field_token, header_token = tokens_of(browser)
            assert field_token and header_token == field_token, "no token on the page"
            for name, data, headers in (
                    ("hidden csrf_token", {"csrf_token": field_token}, {}),
                    ("X-CSRFToken of hx-headers", {}, {"HX-Request": "true",
                                                       "X-CSRFToken": header_token})):
                response = clone(strict, browser).open(url, method=method, data=data,
                                                       headers=headers)
                if EXPIRED in response.get_data(as_text=True):
                    problems.append(f"{role_for(rule)} {method} {url} with the {name}: "
                                    f"refused as expired ({response.status_code})")
                else:
                    accepted += 1
    summary = (f"csrf ({mode}): {len(routes)} state-changing routes x 3 roles: {refused} "
               f"requests without a valid token refused with 400 (plain form, htmx, forged "
               f"token or header, another session's token), {accepted} requests with the "
               f"page's token accepted; exempt by design: {skipped or 'none registered'}")
    print(summary)
    assert not problems, summary + "\n" + "\n".join(problems)
    assert len(routes) >= 35, summary  # the sweep really found the store's routes


def test_a_token_from_before_login_does_not_work_after_it(database_url, app):
    """The session is renewed at login, CSRF token included."""
    strict = create_app(settings(database_url, WTF_CSRF_ENABLED=True))
    browser = strict.test_client()
    before, _ = tokens_of(browser)
    assert before
    login = browser.post("/login", data={"email": CUSTOMER[0], "password": CUSTOMER[1],
                                         "csrf_token": before})
    assert login.status_code == 303
    stale = browser.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1",
                                            "csrf_token": before})
    after, _ = tokens_of(browser)
    fresh = browser.post("/cart/add", data={"slug": "pocket-cat-keychain", "quantity": "1",
                                            "csrf_token": after})
    print(f"csrf across login: token from before login -> {stale.status_code}, "
          f"token after -> {fresh.status_code}")
    assert stale.status_code == 400 and EXPIRED in stale.get_data(as_text=True)
    assert fresh.status_code == 303
