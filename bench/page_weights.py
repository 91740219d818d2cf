"""Page weights of the whole preorder checkout, in Debian's Chromium, bytes on the wire.

    .venv/bin/python bench/page_weights.py

Starts its own QA instance (like tests/e2e/conftest.py's live_server: `flask migrate`,
`flask seed`, gunicorn with 2 workers, QA mode, a fresh SQLite file in a temp folder), then
drives Chromium (Playwright, sync API) with JavaScript on, as a customer would:

* the walk: one browser context with an empty (cold) cache, from the product page to the
  confirmation: product page, "Preorder Now" (htmx), cart, a quantity change (htmx),
  "Proceed to purchase" (login page), log in, the checkout steps (htmx fragments),
  "Confirm Order", the confirmation page. The HTTP cache works as in any browser, so the
  stylesheet and htmx are fetched once. Its total is the issue's "whole preorder checkout".
* every page on its own: at each point of the walk, the same URL is loaded again in a
  fresh browser context (empty cache) that carries the walk's cookies (same session, cart
  and checkout), i.e. as a first visit: the HTML with the CSS and JS it links. That gives
  the per-page table, the "HTML + CSS <= 14 KB" check and the "first product page visit
  <= 30 KB" check. The catalogue `/` is measured so too.

Bytes on the wire = Chrome DevTools Protocol `Network.loadingFinished.encodedDataLength`
(DevTools' "transferred"): the response headers plus the body as compressed on the wire.
Chromium asks for `Accept-Encoding: gzip, deflate, br, zstd` itself, as it does for any
page. A redirect hop counts its `redirectResponse.encodedDataLength`. Answers served from
the browser's cache count 0. Request bytes (upload) are not counted. Product images (image
requests under .../products/...) are left out and listed apart; every other request counts
(the browser's own /favicon.ico request included). 1 KB = 1024 bytes.

Prints Markdown tables; writes every request to $BENCH_OUT/page_weights.json when BENCH_OUT
is set. Exits non-zero only when the walk itself fails (a budget missed is a "no" in the table).
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from benchserver import SeededStore, machine_line  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

KB = 1024
BUDGET_PAGE = 14 * KB        # a page's HTML with its CSS
BUDGET_FIRST_PRODUCT = 30 * KB  # first product page visit, htmx included
BUDGET_CHECKOUT = 60 * KB    # product page -> confirmation
BUDGET_FRAGMENT = 2 * KB     # one htmx answer
PRODUCT = os.environ.get("PRODUCT_SLUG", "aurora-knight-figure")
EMAIL, PASSWORD = "qa.us@example.com", "Qa-Passw0rd!"
CARD = {"card_number": "4242 4242 4242 4242", "card_expiry": "12/34", "card_cvc": "123",
        "card_name": "QA Bench"}
VIEWPORT = {"width": 412, "height": 915}  # a phone


def log(message: str) -> None:
    print(f"[page_weights {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- QA server

def QAServer() -> SeededStore:  # noqa: N802 (read as the server it starts)
    """`make qa` in a temp folder: migrate, seed, gunicorn (2 gthread workers), QA mode."""
    return SeededStore("bench-weights", QA_MODE="1")


# --------------------------------------------------------------------------- recording

@dataclass
class Hit:
    """One HTTP answer (a redirect hop is an answer of its own)."""
    step: str
    url: str
    method: str
    type: str
    htmx: bool = False
    status: int = 0
    encoding: str = ""
    wire: int = 0          # headers + body as received
    body: int = 0          # body as received (Content-Length, else counted)
    cached: bool = False
    done: bool = False
    failed: str = ""

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def kind(self) -> str:
        """html | fragment | css | js | image | other."""
        if self.type == "Document":
            return "html"
        if self.type in ("XHR", "Fetch"):
            return "fragment" if self.htmx else "other"
        if self.type == "Stylesheet":
            return "css"
        if self.type == "Script":
            return "js"
        if self.type == "Image":
            return "image"
        return "other"

    @property
    def product_image(self) -> bool:
        return self.kind == "image" and "/products/" in urlsplit(self.url).path


class Recorder:
    """Every network answer of one tab, through a CDP session, tagged with the current step."""

    def __init__(self, page: Page, cache_disabled: bool = False) -> None:
        self.page = page
        self.step = ""
        self.hits: list[Hit] = []
        self.live: dict[str, Hit] = {}
        self.last_event = time.monotonic()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        if cache_disabled:
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.dataReceived", self._data)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        self.cdp = cdp

    def _touch(self) -> None:
        self.last_event = time.monotonic()

    def _sent(self, e: dict) -> None:
        self._touch()
        rid = e["requestId"]
        previous = self.live.get(rid)
        if previous is not None and e.get("redirectResponse"):
            r = e["redirectResponse"]
            previous.status = r.get("status", 0)
            previous.wire = int(r.get("encodedDataLength") or 0)
            previous.body = _content_length(r) or 0
            previous.encoding = _header(r, "content-encoding")
            previous.done = True
        req = e["request"]
        headers = {k.lower(): v for k, v in (req.get("headers") or {}).items()}
        self.live[rid] = hit = Hit(step=self.step, url=req["url"], method=req["method"],
                                   type=e.get("type", "Other"),
                                   htmx=headers.get("hx-request") == "true")
        self.hits.append(hit)

    def _received(self, e: dict) -> None:
        self._touch()
        hit = self.live.get(e["requestId"])
        if hit is None:
            return
        r = e["response"]
        hit.status = r.get("status", 0)
        hit.encoding = _header(r, "content-encoding")
        hit.body = _content_length(r) or 0
        hit.cached = hit.cached or bool(r.get("fromDiskCache") or r.get("fromPrefetchCache"))
        hit.type = e.get("type", hit.type)

    def _data(self, e: dict) -> None:
        self._touch()
        hit = self.live.get(e["requestId"])
        if hit is not None and not hit.body:
            hit._counted = getattr(hit, "_counted", 0) + int(e.get("encodedDataLength") or 0)

    def _from_cache(self, e: dict) -> None:
        self._touch()
        hit = self.live.get(e["requestId"])
        if hit is not None:
            hit.cached = True

    def _finished(self, e: dict) -> None:
        self._touch()
        hit = self.live.pop(e["requestId"], None)
        if hit is None:
            return
        hit.wire = 0 if hit.cached else int(e.get("encodedDataLength") or 0)
        if hit.cached:
            hit.body = 0
        elif not hit.body:
            hit.body = getattr(hit, "_counted", 0)
        hit.done = True

    def _failed(self, e: dict) -> None:
        self._touch()
        hit = self.live.pop(e["requestId"], None)
        if hit is not None:
            hit.failed = e.get("errorText", "failed")
            hit.done = True

    def settle(self, quiet_ms: int = 400, timeout_s: float = 15.0) -> None:
        """Wait until every request finished and the network was quiet for a moment."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(50)  # lets Playwright dispatch the CDP events
            pending = [h for h in self.hits if not h.done]
            if not pending and (time.monotonic() - self.last_event) * 1000 >= quiet_ms:
                return
        pending = [h.url for h in self.hits if not h.done]
        if pending:
            log(f"still loading after {timeout_s}s: {pending}")

    def of(self, step: str) -> list[Hit]:
        return [h for h in self.hits if h.step == step]


def _header(response: dict, name: str) -> str:
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return ""


def _content_length(response: dict) -> int | None:
    raw = _header(response, "content-length")
    return int(raw) if raw.isdigit() else None


# --------------------------------------------------------------------------- the walk

@dataclass
class Row:
    label: str
    hits: list[Hit] = field(default_factory=list)

    def counted(self) -> list[Hit]:
        return [h for h in self.hits if not h.product_image]

    def sum(self, *kinds: str) -> int:
        return sum(h.wire for h in self.counted() if h.kind in kinds)

    @property
    def total(self) -> int:
        return sum(h.wire for h in self.counted())

    @property
    def requests(self) -> int:
        return sum(1 for h in self.counted() if not h.cached)


class Walk:
    def __init__(self, base: str, browser) -> None:
        self.base = base
        self.context = browser.new_context(base_url=base, viewport=VIEWPORT)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.walk = Recorder(self.page)
        self.browser = browser
        self.steps: list[Row] = []
        self.pages: list[Row] = []

    # each step of the walk is recorded under its label
    def step(self, label: str, action) -> Row:
        self.walk.step = label
        action()
        self.walk.settle()
        row = Row(label, self.walk.of(label))
        self.steps.append(row)
        errors = [h for h in row.hits if h.status >= 500 or h.failed]
        if errors:
            raise RuntimeError(f"{label}: {[(h.url, h.status, h.failed) for h in errors]}")
        return row

    def first_visit(self, label: str, path: str) -> Row:
        """The page at `path` as a first visit: a fresh browser context (empty cache) that
        carries the walk's cookies, so it sees the same session, cart and checkout."""
        context = self.browser.new_context(base_url=self.base, viewport=VIEWPORT)
        try:
            context.add_cookies(self.context.cookies())
            probe = Recorder(context.new_page())
            probe.step = label
            response = probe.page.goto(path)
            probe.settle()
        finally:
            context.close()
        if response is None or response.status >= 400:
            raise RuntimeError(f"{label}: {path} answered {response and response.status}")
        row = Row(label, probe.of(label))
        self.pages.append(row)
        return row

    def run(self) -> None:
        page = self.page
        tid = page.get_by_test_id
        product_path = f"/products/{PRODUCT}"
        self.step("product page (first visit)", lambda: page.goto(product_path))
        self.first_visit("catalogue", "/")
        self.first_visit("product page", product_path)

        def add() -> None:
            tid("preorder-button").or_(tid("add-to-cart-button")).click()
            expect(tid("cart-count")).to_have_text("1")
        self.step("Preorder Now (htmx)", add)

        def cart() -> None:
            tid("cart-link").click()
            expect(tid("cart-line").first).to_be_visible()
        self.step("cart page", cart)
        self.first_visit("cart", "/cart/")

        def quantity() -> None:
            field_ = tid("line-quantity").first
            field_.fill("2")
            field_.dispatch_event("change")
            expect(tid("cart-count")).to_have_text("2")
        self.step("quantity change (htmx)", quantity)

        def proceed() -> None:
            tid("proceed-to-purchase").click()
            expect(tid("login-form")).to_be_visible()
        self.step("Proceed to purchase -> login page", proceed)
        self.first_visit("login", urlsplit(page.url).path + "?" + urlsplit(page.url).query)

        def login() -> None:
            form = tid("login-form")
            form.locator("[name=email]").fill(EMAIL)
            form.locator("[name=password]").fill(PASSWORD)
            form.get_by_test_id("login-submit").click()
            expect(tid("shipping-step")).to_be_visible()
        self.step("log in -> shipping step", login)
        self.first_visit("checkout: shipping", "/checkout/shipping")

        def shipping() -> None:
            step = tid("shipping-step")
            step.get_by_test_id("saved-address").first.click()
            step.get_by_test_id("checkout-continue").filter(visible=True).click()
            expect(tid("payment-step")).to_be_visible()
        self.step("shipping -> payment (htmx)", shipping)
        self.first_visit("checkout: payment", "/checkout/payment")

        def payment() -> None:
            step = tid("payment-step")
            step.get_by_test_id("payment-method-card").click()
            for name, value in CARD.items():
                step.locator(f"[name={name}]").fill(value)
            step.get_by_test_id("checkout-continue").click()
            expect(tid("billing-step")).to_be_visible()
        self.step("payment -> billing (htmx)", payment)
        self.first_visit("checkout: billing", "/checkout/billing")

        def billing() -> None:
            step = tid("billing-step")
            step.get_by_test_id("billing-same-as-shipping").click()
            step.get_by_test_id("checkout-continue").click()
            expect(tid("confirm-order")).to_be_visible()
        self.step("billing -> confirm (htmx)", billing)
        self.first_visit("checkout: confirm", "/checkout/confirm")

        def confirm() -> None:
            tid("confirm-order").click()
            success = tid("order-success")
            deadline = time.monotonic() + 15
            while not success.is_visible() and time.monotonic() < deadline:
                page.wait_for_timeout(300)
                if not success.is_visible() and "/checkout/done/" in page.url:
                    page.reload()  # "being processed": the customer reloads
            expect(success).to_be_visible()
        self.step("Confirm Order -> confirmation", confirm)
        self.first_visit("confirmation", urlsplit(page.url).path)


# --------------------------------------------------------------------------- report

def kb(n: int) -> str:
    return f"{n / KB:.1f}"


def ok(flag: bool) -> str:
    return "yes" if flag else "**no**"


def report(walk: Walk, machine: str) -> tuple[str, dict]:
    out: list[str] = []
    p = out.append
    p(f"### Page weights ({machine})")
    p("")
    p("Bytes on the wire (response headers + compressed body, CDP "
      "`Network.loadingFinished.encodedDataLength`), Chromium's own `Accept-Encoding: gzip, "
      "deflate, br, zstd`, JavaScript on, product images left out. KB = 1024 bytes.")
    p("")
    p("**Every page as a first visit** (a fresh browser context with the walk's cookies: "
      "empty cache, same session; the browser asks for /favicon.ico once per browser, so "
      "that request shows in the walk's first step below, not here):")
    p("")
    p("| page | HTML | CSS | HTML + CSS | <= 14 KB | JS | other | requests | total |")
    p("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    pages_ok = True
    for row in walk.pages:
        html, css = row.sum("html"), row.sum("css")
        pages_ok &= html + css <= BUDGET_PAGE
        p(f"| {row.label} | {html} | {css} | {html + css} | {ok(html + css <= BUDGET_PAGE)} "
          f"| {row.sum('js')} | {row.sum('other', 'fragment')} | {row.requests} | {row.total} |")
    p("")
    p("**The preorder checkout in one visit** (one tab, cold cache at the start, the browser's "
      "cache on, as a customer's):")
    p("")
    p("| step | HTML | htmx answers | CSS | JS | other | requests | total |")
    p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in walk.steps:
        p(f"| {row.label} | {row.sum('html')} | {row.sum('fragment')} | {row.sum('css')} "
          f"| {row.sum('js')} | {row.sum('other')} | {row.requests} | {row.total} |")
    checkout_total = sum(r.total for r in walk.steps)
    checkout_requests = sum(r.requests for r in walk.steps)
    p(f"| **whole checkout** | {sum(r.sum('html') for r in walk.steps)} "
      f"| {sum(r.sum('fragment') for r in walk.steps)} | {sum(r.sum('css') for r in walk.steps)} "
      f"| {sum(r.sum('js') for r in walk.steps)} | {sum(r.sum('other') for r in walk.steps)} "
      f"| {checkout_requests} | **{checkout_total}** |")
    p("")
    fragments = [h for r in walk.steps for h in r.counted() if h.kind == "fragment"]
    p("**Each htmx answer** (one per action: the next page's or step's fragment, with its "
      "title and, after the sign-in, the header):")
    p("")
    p("| step | request | status | encoding | bytes | <= 2 KB |")
    p("| --- | --- | ---: | --- | ---: | --- |")
    for h in fragments:
        p(f"| {h.step} | {h.method} {h.path} | {h.status} | {h.encoding or '-'} | {h.wire} "
          f"| {ok(h.wire <= BUDGET_FRAGMENT)} |")
    p("")
    # The walk's first step is a true first visit: a new browser, nothing cached, and the
    # browser's own /favicon.ico request (made once per browser) included.
    first_product = walk.steps[0].total if walk.steps else 0
    largest = max(walk.pages, key=lambda r: r.sum("html", "css"))
    biggest_fragment = max((h.wire for h in fragments), default=0)
    p("| budget (issue 6) | measured | limit | met |")
    p("| --- | ---: | ---: | --- |")
    p(f"| every page's HTML + CSS (largest: {largest.label}) "
      f"| {kb(largest.sum('html', 'css'))} KB | 14 KB | {ok(pages_ok)} |")
    p(f"| first product page visit, htmx included | {kb(first_product)} KB | 30 KB "
      f"| {ok(first_product <= BUDGET_FIRST_PRODUCT)} |")
    p(f"| whole preorder checkout, product page -> confirmation | {kb(checkout_total)} KB "
      f"| 60 KB | {ok(checkout_total <= BUDGET_CHECKOUT)} |")
    p(f"| largest htmx answer ({len(fragments)} measured) | {kb(biggest_fragment)} KB | 2 KB "
      f"| {ok(bool(fragments) and biggest_fragment <= BUDGET_FRAGMENT)} |")
    # What else the walk saw, so a reader can tell where the bytes go.
    everything = [h for r in walk.steps + walk.pages for h in r.hits]
    images = [h for h in everything if h.product_image and not h.cached]
    notes = []
    if images:
        notes.append(f"product images left out: {len(images)} requests, "
                     f"{sum(h.wire for h in images)} bytes")
    header_bytes = sum(h.wire - h.body for r in walk.steps for h in r.counted()
                       if not h.cached and h.wire >= h.body)
    notes.append(f"of the whole checkout's {checkout_total} bytes, {header_bytes} are "
                 "response headers")
    misses = sorted({f"{h.path} ({h.status})" for h in everything
                     if h.status >= 400 and not h.product_image})
    if misses:
        notes.append("answers >= 400 counted above: " + ", ".join(misses))
    plain = sorted({f"{h.path} ({h.kind}, {h.wire} B)" for h in everything
                    if not h.cached and h.wire > 1400 and h.kind in ("html", "css", "js",
                                                                    "fragment")
                    and not h.encoding})
    if plain:
        notes.append("sent without compression: " + ", ".join(plain))
    p("")
    for note in notes:
        p(f"- {note}")
    data = {"pages": [{"label": r.label, "hits": [asdict(h) for h in r.hits]} for r in walk.pages],
            "steps": [{"label": r.label, "hits": [asdict(h) for h in r.hits]} for r in walk.steps],
            "checkout_total": checkout_total, "first_product_visit": first_product}
    return "\n".join(out), data


def main() -> int:
    if not os.path.exists(CHROMIUM):
        log(f"{CHROMIUM} not found: `make chromium` or `apt-get install chromium`")
        return 2
    log("starting a QA instance (migrate, seed, gunicorn)")
    with QAServer() as server:
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
                try:
                    walk = Walk(server.url, browser)
                    log(f"walking the checkout on {server.url}")
                    walk.run()
                finally:
                    browser.close()
        except Exception:
            log("the walk failed; the server's log:\n" + server.log_text(20000))
            raise
        if "Traceback" in server.log_text(20000):
            log("the server logged a traceback:\n" + server.log_text(20000))
    table, data = report(walk, machine_line())
    print(table, flush=True)
    out = os.environ.get("BENCH_OUT")
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "page_weights.json"), "w") as fh:
            json.dump(data, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
