"""The first-visit preorder checkout on a slow phone link, JavaScript on and off (issue 13).

    .venv/bin/python bench/slowlink.py

Starts its own QA instance (as bench/page_weights.py does) and drives Debian's Chromium
(Playwright) through the whole first-visit preorder checkout under Chrome DevTools Protocol
network emulation (`Network.emulateNetworkConditions`: 300 ms round trip, 400 kbit/s down and
up), once with JavaScript and once without, each in a fresh browser context (cold cache):

  1 open the product page   2 Preorder Now   3 Cart   4 Proceed to purchase   5 Log in
  6 shipping: Continue   7 payment: Continue   8 billing: Continue   9 Confirm Order

Typing is not timed: each customer action is timed by the browser's own network clock (CDP
timestamps), from its first request sent to its last answer received, product images aside
(Playwright's own round trips to the browser would add about half a second to every action).
Four unthrottled walks first warm the server up (each gunicorn worker compiles its templates
on first use), as a server in service is.
Printed per mode:

* time: the sum of the nine actions;
* round trips: sequential requests for our pages and htmx fragments (each redirect hop is
  one), and apart from them the waves of CSS and JS a first visit fetches after its HTML;
* bytes: everything received (headers + compressed bodies, CDP `encodedDataLength`);
* the physical limit of the same flow: actions x RTT + bytes / bandwidth.

Targets: round trips (pages + fragments) = customer actions; with JavaScript <= 5.0 s and
within 1.25x of the limit; JavaScript at least 30 % faster than without.
"""
from __future__ import annotations

import sys
from datetime import datetime

from benchserver import machine_line
from page_weights import CARD, CHROMIUM, CHROMIUM_ARGS, EMAIL, PASSWORD, QAServer, Recorder
from playwright.sync_api import Page, sync_playwright

RTT_MS = 300
KBPS = 400
BYTES_PER_S = KBPS * 1000 / 8
PRODUCT = "aurora-knight-figure"
VIEWPORT = {"width": 390, "height": 844}
TARGET_JS_S, TARGET_RATIO, TARGET_GAIN = 5.0, 1.25, 0.30


def log(message: str) -> None:
    print(f"[slowlink {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


class Clock:
    """The browser's own network timestamps (CDP), per step: Playwright's round trips to the
    browser would add their own half second to every action."""

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec
        self.sent: dict[str, tuple[str, float, str]] = {}
        self.done: dict[str, float] = {}
        rec.cdp.on("Network.requestWillBeSent", self._sent)
        rec.cdp.on("Network.loadingFinished", self._done)

    def _sent(self, e: dict) -> None:
        self.sent.setdefault(e["requestId"], (self.rec.step, e["timestamp"], e.get("type", "")))

    def _done(self, e: dict) -> None:
        self.done[e["requestId"]] = e["timestamp"]

    def took(self, step: str) -> float:
        """From the step's first request sent to its last answer received (images aside)."""
        mine = [(t, self.done[rid]) for rid, (s, t, kind) in self.sent.items()
                if s == step and kind != "Image" and rid in self.done]
        return max(end for _t, end in mine) - min(t for t, _end in mine)


def act(page: Page, rec: Recorder, name: str, js: bool, action, landmark: str,
        navigates: bool) -> None:
    """One customer action, until its landmark shows and the network is quiet."""
    rec.settle(quiet_ms=200)
    rec.step = name
    if navigates or not js:
        with page.expect_navigation(wait_until="load", timeout=60_000):
            action()
    else:
        action()
    page.wait_for_selector(landmark, state="attached", timeout=60_000)
    rec.settle(quiet_ms=200)


def walk(browser, base: str, js: bool, throttle: bool = True) -> dict:
    context = browser.new_context(base_url=base, java_script_enabled=js, viewport=VIEWPORT)
    page = context.new_page()
    rec = Recorder(page, cache_disabled=False)
    clock = Clock(rec)
    if throttle:
        rec.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": RTT_MS, "downloadThroughput": BYTES_PER_S,
            "uploadThroughput": BYTES_PER_S})
    tid = "[data-testid={}]".format

    def fill_payment() -> None:
        for name, value in CARD.items():
            page.fill(f"[name={name}]", value)

    rec.step = "product page"
    page.goto(f"/products/{PRODUCT}", wait_until="load")
    page.wait_for_selector(tid("preorder-button"))
    rec.settle(quiet_ms=200)
    steps = [
        ("Preorder Now", lambda: page.click(tid("preorder-button")),
         tid("cart-line") if not js else "#added " + tid("flash"), False),
        # the header's Cart link is boosted: with JavaScript an htmx swap of #main
        ("Cart", lambda: page.click(tid("cart-link")), tid("proceed-to-purchase"), False),
        ("Proceed to purchase", lambda: page.click(tid("proceed-to-purchase")),
         tid("login-form"), False),
        ("Log in", lambda: page.click(tid("login-submit")), tid("shipping-step"), False),
        ("shipping: Continue", lambda: page.click(f"{tid('shipping-step')} form "
                                                  + tid("checkout-continue")),
         tid("payment-step"), False),
        ("payment: Continue", lambda: page.click(f"{tid('payment-step')} "
                                                 + tid("checkout-continue")),
         tid("billing-step"), False),
        ("billing: Continue", lambda: page.click(f"{tid('billing-step')} "
                                                 + tid("checkout-continue")),
         tid("confirm-step"), False),
        ("Confirm Order", lambda: page.click(tid("confirm-order")), tid("order-success"),
         False),
    ]
    for name, action, landmark, navigates in steps:
        if name == "Log in":
            page.fill(f"{tid('login-form')} [name=email]", EMAIL)
            page.fill(f"{tid('login-form')} [name=password]", PASSWORD)
        if name == "payment: Continue":
            fill_payment()
        act(page, rec, name, js, action, landmark, navigates)
    times = {name: clock.took(name) for name in ["product page"] + [s[0] for s in steps]}
    context.close()
    return {"times": times, "hits": rec.hits}


def round_trips(hits: list, step: str) -> tuple[int, int]:
    """(page and fragment requests, waves of CSS/JS fetched after the HTML) of a step."""
    mine = [h for h in hits if h.step == step and not h.cached and not h.product_image]
    pages = sum(1 for h in mine if h.kind in ("html", "fragment"))
    waves = 1 if any(h.kind in ("css", "js") for h in mine) else 0
    return pages, waves


def report(results: dict, machine: str) -> tuple[str, bool]:
    lines = ["## Slow link: the first-visit preorder checkout\n",
             f"Chromium (Playwright), CDP network emulation: {RTT_MS} ms round trip, "
             f"{KBPS} kbit/s each way; a fresh context (cold cache), viewport "
             f"{VIEWPORT['width']}x{VIEWPORT['height']}; {machine}. Time = the nine customer "
             "actions, each from its first request sent to its last answer received, by "
             "the browser's network clock (typing and product images not counted). "
             "Round trips = sequential requests for pages and htmx fragments "
             "(a redirect hop is one); a first visit's CSS and JS wave is counted apart. "
             "Limit = actions x RTT + bytes / bandwidth.\n",
             "| mode | time s | actions | round trips | + CSS/JS waves | bytes | limit s "
             "| time / limit |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    summary = {}
    for mode, data in results.items():
        names = list(data["times"])
        total = sum(data["times"].values())
        trips = [round_trips(data["hits"], n) for n in names]
        pages, waves = sum(t[0] for t in trips), sum(t[1] for t in trips)
        wire = sum(h.wire for h in data["hits"] if not h.product_image)
        limit = len(names) * RTT_MS / 1000 + wire / BYTES_PER_S
        summary[mode] = (total, len(names), pages, limit)
        lines.append(f"| {mode} | {total:.2f} | {len(names)} | {pages} | {waves} | {wire} | "
                     f"{limit:.2f} | {total / limit:.2f}x |")
    lines += ["", "| action | " + " | ".join(f"{m} s | {m} trips" for m in results) + " |",
              "| --- | " + " | ".join("---: | ---:" for _ in results) + " |"]
    first = next(iter(results.values()))
    for name in first["times"]:
        cells = []
        for data in results.values():
            cells.append(f"{data['times'][name]:.2f} | "
                         f"{round_trips(data['hits'], name)[0]}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    js_total, actions, js_pages, js_limit = summary["JavaScript on"]
    plain_total = summary["JavaScript off"][0]
    gain = 1 - js_total / plain_total
    checks = [("round trips = customer actions (JavaScript on)", f"{js_pages} / {actions}",
               js_pages == actions),
              ("time with JavaScript", f"{js_total:.2f} s", js_total <= TARGET_JS_S),
              ("within 1.25x of the limit", f"{js_total / js_limit:.2f}x",
               js_total <= TARGET_RATIO * js_limit),
              ("JavaScript faster than without by", f"{gain:.0%}", gain >= TARGET_GAIN)]
    lines += ["", "| target | measured | met |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {value} | {'yes' if ok else 'no'} |" for name, value, ok in checks]
    return "\n".join(lines) + "\n", all(ok for _n, _v, ok in checks)


def main() -> int:
    with QAServer() as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        results = {}
        log("warming up (each worker compiles its templates on first use), unthrottled")
        for js in (True, False, True, False):
            walk(browser, server.url, js, throttle=False)
            server_reset(server.url)
        for mode, js in (("JavaScript on", True), ("JavaScript off", False)):
            log(f"walking with {mode}")
            results[mode] = walk(browser, server.url, js)
            # a second customer's cart and checkout would differ: start each walk afresh
            server_reset(server.url)
        browser.close()
    text, met = report(results, machine_line())
    print(text)
    return 0 if met else 1


def server_reset(base: str) -> None:
    import urllib.request

    request = urllib.request.Request(base + "/_qa/reset", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=60) as response:
        response.read()


if __name__ == "__main__":
    sys.exit(main())
