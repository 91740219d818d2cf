"""What the outage tests share: their own PostgreSQL and Redis servers (in a temp folder, on
free ports; the machine's servers are never touched), the store under gunicorn against them,
and customers who browse and order over plain HTTP like a browser without JavaScript,
reloading a page that answered 503 as a person would."""
from __future__ import annotations

import glob
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "Qa-Passw0rd!"
KEYCHAIN = "pocket-cat-keychain"
CARD = {"method": "card", "card_number": "4242 4242 4242 4242", "card_expiry": "12/39",
        "card_cvc": "123", "card_name": "Outage Customer"}
ADDRESS = {"full_name": "Sam Lee", "line1": "1 Main Street", "city": "Springfield",
           "state": "IL", "postal_code": "62701", "country": "US", "phone": ""}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NUMBER_RE = re.compile(r'data-testid="order-number"[^>]*>([A-Z0-9-]+)<')


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL programs (initdb, pg_ctl), the newest version installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message: str) -> None:
    print(f"[outage {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Postgres:
    """A throw-away PostgreSQL cluster: initdb in a temp folder, pg_ctl start and stop."""

    def __init__(self) -> None:
        bindir = postgres_bin()
        assert bindir is not None
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="storefront-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/store"
        # initdb and postgres refuse to run as root: run them as the postgres user then.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--no-sync", "-E", "UTF8")
        self.start()
        self._run(str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", "-c", "CREATE DATABASE store")

    def start(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.folder / "server.log"), "-w", "-t", "30", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c max_connections=60", "start")

    def stop(self) -> None:
        """Stop now: sessions are cut off, as when the database host goes away."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                  "stop")

    def close(self) -> None:
        try:
            self.stop()
        except Exception:  # already stopped
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    """A throw-away redis-server on a free port, no persistence."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="storefront-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.folder), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)  # gone at once, as a crashed server
            self.proc.wait(10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class Store:
    """The store under gunicorn (2 sync workers), QA mode (test gateway, /_qa/ hooks)."""

    def __init__(self, database_url: str, **settings: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="storefront-outage-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "FLASK_APP": "wsgi", "STOREFRONT_QA_MODE": "1",
                    "STOREFRONT_DATABASE_URL": database_url,
                    "STOREFRONT_HUEY_SQLITE_PATH": str(self.folder / "huey.db"),
                    "STOREFRONT_SECRET_KEY": secrets.token_hex(32),
                    "STOREFRONT_BASE_URL": self.url,
                    **{f"STOREFRONT_{k}": v for k, v in settings.items()}}
        self.env.pop("STOREFRONT_ENV", None)
        self.env.pop("STOREFRONT_TEST_DATABASE_URL", None)
        self.log_path = self.folder / "server.log"
        self.procs: list[subprocess.Popen] = []

    def flask(self, *args: str) -> str:
        done = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def prepare(self, customers: int) -> list[str]:
        self.flask("migrate")
        self.flask("seed")
        emails = [f"outage{i}@example.com" for i in range(customers)]
        code = ("import sys\nfrom storefront import create_app\n"
                "from storefront.extensions import db\n"
                "from storefront.services import accounts, addresses\n"
                "accounts.HASH_METHOD = 'pbkdf2:sha256:1000'\n"
                "app = create_app()\n"
                "with app.app_context():\n"
                "    for email in sys.argv[1:]:\n"
                "        person = accounts.create_user(db.session, email=email, "
                f"password={PASSWORD!r}, region='US')\n"
                f"        addresses.save_new(db.session, person, {ADDRESS!r})\n"
                "    db.session.commit()\n")
        subprocess.run([sys.executable, "-c", code, *emails], cwd=ROOT, env=self.env,
                       check=True, capture_output=True, timeout=120)
        return emails

    def start(self) -> None:
        out = open(self.log_path, "wb")
        self.procs.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--timeout", "30",
             "--no-control-socket", "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                raise RuntimeError("the store did not start:\n" + self.log())
            time.sleep(0.2)

    def start_worker(self) -> None:
        out = open(self.folder / "worker.log", "wb")
        self.procs.append(subprocess.Popen([str(BIN / "flask"), "jobs", "worker"], cwd=ROOT,
                                           env=self.env, stdout=out, stderr=subprocess.STDOUT))

    def log(self, name: str = "server.log") -> str:
        try:
            return (self.folder / name).read_text(errors="replace")
        except OSError:
            return ""

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.poll() is None]

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Customer:
    """One customer in a thread: browse, add the keychain, check out, confirm, again."""
    email: str
    base: str
    statuses: Counter = field(default_factory=Counter)
    shown: list[str] = field(default_factory=list)  # order numbers the customer was shown
    problems: list[str] = field(default_factory=list)
    outage_pages: int = 0  # 503 "back in a moment" pages seen
    rounds: int = 0

    def __post_init__(self) -> None:
        self.http = requests.Session()
        self.http.trust_env = False
        self.token = ""

    def _send(self, method: str, path: str, data: dict | None) -> requests.Response:
        """One request; a 503 or a refused connection is reloaded (for up to 20 s)."""
        deadline = time.monotonic() + 20
        while True:
            try:
                body = {"csrf_token": self.token, **data} if data is not None else None
                response = self.http.request(method, self.base + path, data=body, timeout=30)
            except requests.ConnectionError:
                response = None
            if response is not None:
                for hop in [*response.history, response]:
                    self.statuses[hop.status_code] += 1
                if response.status_code >= 500 and response.status_code != 503:
                    self.problems.append(f"{method} {path} -> {response.status_code}")
                if response.status_code == 503:
                    self.outage_pages += 1
                    if "Back in a moment" not in response.text:
                        self.problems.append(f"{method} {path}: 503 without the short page")
                else:
                    found = CSRF_RE.search(response.text or "")
                    if found:
                        self.token = found.group(1)
                    return response
            if time.monotonic() > deadline:
                raise RuntimeError(f"{method} {path} never answered")
            time.sleep(0.3)

    def get(self, path: str) -> requests.Response:
        return self._send("GET", path, None)

    def post(self, path: str, data: dict) -> requests.Response:
        return self._send("POST", path, data)

    def log_in(self) -> None:
        self.get("/login")
        self.post("/login", {"email": self.email, "password": PASSWORD})

    def one_order(self) -> None:
        """Browse, buy one keychain, confirm (re-sending the same form after a 503, as a
        browser's reload does: placing is idempotent)."""
        self.get("/")
        self.get(f"/products/{KEYCHAIN}")
        self.post("/cart/add", {"slug": KEYCHAIN, "quantity": "1"})
        page = self.get("/checkout/")
        if "/login" in page.url:  # a session the outage cut short: sign in again
            self.log_in()
            page = self.get("/checkout/")
        found = re.search(r'data-address-id="(\d+)"', page.text)
        if found is None:
            return  # the cart was empty (the add met the outage): next round
        self.post("/checkout/shipping", {"address_id": found.group(1)})
        self.post("/checkout/payment", CARD)
        page = self.post("/checkout/billing", {"billing": "same"})
        checkout = re.search(r'name="checkout" value="([^"]+)"', page.text)
        seen = re.search(r'name="seen" value="([^"]+)"', page.text)
        if checkout is None or seen is None:
            return
        done = self.post("/checkout/confirm", {"checkout": checkout.group(1),
                                               "seen": seen.group(1)})
        for _ in range(40):  # "being processed": reload until the result shows
            if 'data-testid="order-success"' in done.text or "/checkout/done/" not in done.url:
                break
            time.sleep(0.25)
            done = self.get(done.url.removeprefix(self.base))
        self.shown += NUMBER_RE.findall(done.text)
        self.rounds += 1

    def shop_until(self, stop: threading.Event) -> None:
        try:
            self.log_in()
            while not stop.is_set():
                self.one_order()
        except Exception as exc:  # noqa: BLE001 (reported, and the test fails on it)
            self.problems.append(f"{type(exc).__name__}: {exc}")
