"""What the Python benchmarks share: the store under gunicorn on a free port, its `flask`
commands, and the line that names the machine in every table."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def flask(env: dict, *args: str) -> str:
    """Run `flask <args>` in the project with this environment; its output, or an error."""
    done = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with _DIRECT.open(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def machine_line() -> str:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                      if line.startswith("model name")), "")
    except OSError:
        pass
    model = re.sub(r"\s+", " ", model)
    return (f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} CPU ({model}), "
            f"Linux {os.uname().release}")


class Gunicorn:
    """`gunicorn wsgi:app` with gthread workers on 127.0.0.1, its output in `log_path`;
    entering waits until the catalogue answers, leaving stops it."""

    def __init__(self, env: dict, log_path: Path, *, workers: int, threads: int = 4) -> None:
        self.env, self.log_path = env, log_path
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", str(self.workers), "--worker-class",
                 "gthread", "--threads", str(self.threads), "--no-control-socket",
                 "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not answers(self.url + "/"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"the server did not start:\n{self.log_text()}")
            time.sleep(0.2)
        return self

    def log_text(self, last: int | None = None) -> str:
        """The server's output (only its `last` characters when given)."""
        try:
            text = self.log_path.read_text(errors="replace")
            return text[-last:] if last else text
        except OSError:
            return ""

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
