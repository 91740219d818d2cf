"""The npm checkers the tests and benchmarks use (installed by `make checkers` into
node_modules/ from package-lock.json): axe-core, vnu-jar (needs Java) and lighthouse."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def need(path: Path) -> Path:
    """A checker's file; missing fails the run (never a skip): `make checkers` installs it."""
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make checkers` (npm ci) first.", pytrace=False)
    return path


def vnu_errors(files: list[Path]) -> list[dict]:
    """The Nu Html Checker's errors for the files, in one Java run; htmx's hx-* attributes
    are not HTML, so errors about them are left out."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: `make checkers` installs a JRE from Debian.", pytrace=False)
    done = subprocess.run([java, "-Xss8m", "-jar", str(need(VNU)), "--errors-only",
                           "--format", "json", "--exit-zero-always", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stderr or done.stdout)["messages"]
    return [m for m in messages if m.get("type") == "error"
            and not ("“hx-" in m.get("message", "") or "\"hx-" in m.get("message", ""))]
