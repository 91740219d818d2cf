"""The one launcher of the live store, for the end-to-end tests and the benchmarks alike:
gunicorn on a free port of 127.0.0.1, started from the project with the venv's `flask` and
`gunicorn`, waited for until the catalogue answers, stopped on leaving.

- `Gunicorn(env, log_path, workers=..., threads=...)`: the store as `env` configures it.
- `SeededStore(name, **settings)`: the store in a temp folder as `make qa` / `make serve` run
  it: a fresh SQLite file, migrated and seeded with the QA contract's demo data, its public
  address its own port, STOREFRONT_<KEY> from `settings` (QA_MODE="1" for QA mode).

No pytest here: tests/support/e2e.py wraps SeededStore in a fixture; bench/*.py use both.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # tests/support/server.py -> project root
BIN = Path(sys.executable).parent  # the venv's flask and gunicorn
START_TIMEOUT = 60.0  # seconds for gunicorn to answer
# Straight to 127.0.0.1, whatever http_proxy the environment sets.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerFailed(RuntimeError):
    """A `flask` command failed, or gunicorn did not answer; the message has the output."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with _DIRECT.open(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def flask(env: dict, *args: str) -> str:
    """Run `flask <args>` in the project with this environment; its output, or ServerFailed."""
    done = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise ServerFailed(f"`flask {' '.join(args)}` failed ({done.returncode}):\n"
                           f"{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def _control_socket_off() -> list[str]:
    """`--no-control-socket` where this gunicorn has it: gunicorn >= 24 would otherwise open
    ~/.gunicorn/gunicorn.ctl, writing in $HOME and colliding with any other instance."""
    helped = subprocess.run([str(BIN / "gunicorn"), "--help"], capture_output=True, text=True)
    return ["--no-control-socket"] if "--no-control-socket" in helped.stdout else []


class Gunicorn:
    """`gunicorn wsgi:app` with gthread workers on 127.0.0.1, its output in `log_path`;
    entering waits until the catalogue answers, leaving stops it."""

    def __init__(self, env: dict, log_path: Path, *, workers: int = 2, threads: int = 4,
                 port: int | None = None) -> None:
        self.env, self.log_path = env, log_path
        self.workers, self.threads = workers, threads
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", str(self.workers), "--worker-class",
                 "gthread", "--threads", str(self.threads), *_control_socket_off(),
                 "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(self.url + "/"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                code = self.proc.poll()
                self.stop()
                raise ServerFailed(f"the server did not start on {self.url} (exit code "
                                   f"{code}); its log:\n{self.log_text()}")
            time.sleep(0.2)
        return self

    def log_text(self, last: int | None = None) -> str:
        """The server's output (only its `last` characters when given)."""
        try:
            text = self.log_path.read_text(errors="replace")
            return text[-last:] if last else text
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SeededStore(Gunicorn):
    """The store in a temp folder: a fresh SQLite file, migrated and seeded, the public
    address its own port; `settings` become STOREFRONT_<KEY> (e.g. QA_MODE="1")."""

    def __init__(self, name: str = "store", *, workers: int = 2, threads: int = 4,
                 **settings: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"storefront-{name}-"))
        port = free_port()
        env = {**os.environ,
               "FLASK_APP": "wsgi",
               "STOREFRONT_DATABASE_URL": f"sqlite:///{self.folder}/store.db",
               "STOREFRONT_HUEY_SQLITE_PATH": f"{self.folder}/huey.db",
               "STOREFRONT_SECRET_KEY": secrets.token_hex(32),
               "STOREFRONT_BASE_URL": f"http://127.0.0.1:{port}",
               **{f"STOREFRONT_{key}": value for key, value in settings.items()}}
        env.pop("STOREFRONT_ENV", None)  # QA mode refuses production settings
        super().__init__(env, self.folder / "server.log", workers=workers, threads=threads,
                         port=port)
        self.database_url = env["STOREFRONT_DATABASE_URL"]

    def __enter__(self) -> SeededStore:
        try:
            for command in ("migrate", "seed"):
                flask(self.env, command)
            super().__enter__()
        except BaseException:
            self.remove()
            raise
        return self

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.remove()
