"""What the Python benchmarks share: the store under gunicorn (the one launcher, shared with
the end-to-end tests: tests/support/server.py), its `flask` commands, and the line that
names the machine in every table."""
from __future__ import annotations

import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench/*.py run as scripts: the project root is importable
    sys.path.insert(0, str(ROOT))

from tests.support.server import (  # noqa: E402
    Gunicorn,
    SeededStore,
    ServerFailed,
    answers,
    flask,
    free_port,
)

__all__ = ["ROOT", "Gunicorn", "SeededStore", "ServerFailed", "answers", "flask", "free_port",
           "machine_line"]


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
