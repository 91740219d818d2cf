"""Debian's Chromium, as the end-to-end tests and the benchmarks launch it: its profile and
caches under the project (.cache/), never in $HOME."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("XDG_CONFIG_HOME", str(ROOT / ".cache" / "xdg-config"))
os.environ.setdefault("XDG_CACHE_HOME", str(ROOT / ".cache" / "xdg-cache"))
for _folder in (os.environ["XDG_CONFIG_HOME"], os.environ["XDG_CACHE_HOME"]):
    os.makedirs(_folder, exist_ok=True)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
