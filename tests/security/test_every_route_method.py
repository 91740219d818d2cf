"""Every route, every method (issue 12, item 5): GET, HEAD, POST, PUT, DELETE, OPTIONS and
PATCH on every rule of the url_map, QA endpoints and local providers included, as a visitor,
a customer and staff, with empty bodies: never a 5xx."""
from __future__ import annotations

from storefront import create_app
from tests.security.world import CUSTOMER, STAFF, build_world, clone, fill, logged_in
from tests.support.app import settings

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
# These end the session or the data the others need: tried last, once per role.
LAST = ("auth.logout", "qa.reset", "account.delete", "deletion")
# The store's Google client reads the (local) provider's discovery document over HTTP, and no
# server listens for the test client: the "provider unavailable" answer, 503, is right.
PROVIDER_DOWN = "/auth/google/login"
DEFAULTS = {"provider": "google", "method": "paypal", "filename": "x.webp", "name": "x",
            "size": "320", "width": 320, "id": 1, "kind": "welcome", "path": "x",
            "section": "cancellations", "digest": "0" * 16, "ext": "webp"}


def test_no_route_answers_any_method_with_a_5xx(database_url, app):
    qa = create_app(settings(database_url, QA_MODE=True))
    with qa.app_context():
        from storefront.extensions import db
        world = build_world(qa, db.session)
    values = DEFAULTS | world.url_values()
    rules = sorted(qa.url_map.iter_rules(),
                   key=lambda r: (any(m in r.endpoint for m in LAST), r.rule))
    urls = []
    unfilled = []
    for rule in rules:
        url = fill(rule, values)
        if url is None:
            unfilled.append(rule.rule)
        else:
            urls.append(url)
    problems, tried = [], 0
    for role, who in (("staff", STAFF), ("customer", CUSTOMER), ("visitor", None)):
        signed_in = logged_in(qa, *who) if who else None
        for url in urls:
            for method in METHODS:
                response = clone(qa, signed_in).open(url, method=method)
                tried += 1
                if response.status_code == 503 and url == PROVIDER_DOWN:
                    continue  # the answer for a provider that is down: nothing listens here
                if response.status_code >= 500:
                    problems.append(f"{role} {method} {url} -> {response.status_code}")
    print(f"every route x method: {len(urls)} URLs x {len(METHODS)} methods x 3 roles = "
          f"{tried} requests, {len(problems)} answered 5xx; rules without a value: "
          f"{unfilled}")
    assert not unfilled, "give these URL variables a value"
    assert tried and not problems, "\n".join(problems)
