"""htmx is vendored from the npm registry: the committed file is the release package.json
pins (htmx.org), byte for byte, so an upgrade is `npm install htmx.org@X`, a copy, and
`make assets`."""
from __future__ import annotations

import json

from tests.checks.checkers import ROOT, need


def test_the_vendored_htmx_is_the_npm_release_package_json_pins():
    version = json.loads((ROOT / "package.json").read_text())["devDependencies"]["htmx.org"]
    vendored = ROOT / "static" / "js" / f"htmx-{version}.min.js"
    released = need(ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js")
    installed = json.loads((released.parents[1] / "package.json").read_text())["version"]
    assert installed == version, "run `make checkers` (npm ci) after changing package.json"
    assert vendored.exists(), f"{vendored.name} missing: copy it from {released}"
    assert vendored.read_bytes() == released.read_bytes()
    assert f"js/htmx-{version}.min.js" in (ROOT / "Makefile").read_text()
