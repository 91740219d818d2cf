"""A mail server that accepts connections and never answers (issue 12, item 2; R-COM-2):
delivery holds no transaction, so nobody else waits on it, and the SMTP timeouts bound the
wait of the one request that delivers in-process."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from storefront import create_app
from storefront.extensions import db
from storefront.models import Email
from tests.support.app import settings


@contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server that accepts every connection and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def test_a_hung_mail_server_slows_no_other_request_R_COM_2(database_url, app):
    with silent_server() as port:
        shop = create_app(settings(database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                                   SMTP_CONNECT_TIMEOUT=2, SMTP_SEND_TIMEOUT=2))
        timings: dict[str, float] = {}

        def timed(name: str, call) -> None:
            began = time.monotonic()
            response = call(shop.test_client())
            timings[name] = time.monotonic() - began
            timings[name + " status"] = response.status_code

        register = threading.Thread(target=timed, args=("registration", lambda c: c.post(
            "/register", data={"email": "hung.mail@example.com", "password": "Qa-Passw0rd!",
                               "password_confirm": "Qa-Passw0rd!", "country": "US",
                               "agree_terms": "1"})))
        register.start()
        time.sleep(0.5)  # the registration is now waiting on the mail server
        others = []
        for slug in ("pocket-cat-keychain", "aurora-knight-figure"):
            timed(f"add {slug}", lambda c, s=slug: c.post("/cart/add",
                                                          data={"slug": s, "quantity": "1"}))
            others.append(timings[f"add {slug}"])
        timed("catalogue", lambda c: c.get("/"))
        others.append(timings["catalogue"])
        register.join()
    with shop.app_context():
        email = db.session.scalars(select(Email).where(Email.to == "hung.mail@example.com")
                                   ).one()
        waiting = (email.sent_at, email.attempts, email.last_error)
    print(f"hung mail server: registration {timings['registration']:.2f} s "
          f"(connect timeout 2 s); meanwhile 2 adds to cart and the catalogue took "
          f"{', '.join(f'{t:.2f}' for t in others)} s; the welcome email: attempts "
          f"{waiting[1]}, {waiting[2]}")
    assert timings["registration status"] == 303
    assert timings["add pocket-cat-keychain status"] in (200, 303)
    assert max(others) < 1.0, "another request waited on the mail server"
    assert timings["registration"] < 5.0, "the SMTP timeouts did not bound the wait"
    assert waiting[0] is None and waiting[1] == 1 and "timed out" in waiting[2]
