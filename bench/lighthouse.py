"""Lighthouse (npm `lighthouse`, Debian's Chromium, its default mobile emulation and
simulated slow 4G) on the catalogue, a product page and a guide page (issue 13).

    .venv/bin/python bench/lighthouse.py

Starts its own QA instance (as bench/page_weights.py), runs `lighthouse` from
node_modules/ (`make checkers`) once per page and prints the four category scores.
Goal: performance >= 98, accessibility, best practices and SEO 100.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchserver import machine_line
from page_weights import CHROMIUM, QAServer

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
PAGES = {"catalogue": "/", "product page": "/products/aurora-knight-figure",
         "guide page": "/guide/how-to-order"}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOALS = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}


def audit(url: str, folder: str) -> dict:
    out = Path(folder) / "report.json"
    subprocess.run(["node", str(LIGHTHOUSE), url, f"--chrome-path={CHROMIUM}",
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                    f"--only-categories={','.join(CATEGORIES)}", "--output=json",
                    f"--output-path={out}", "--quiet"], check=True, timeout=300,
                   env={**os.environ, "TMPDIR": folder})
    return json.loads(out.read_text())


def main() -> int:
    if not LIGHTHOUSE.exists():
        print(f"{LIGHTHOUSE} missing: run `make checkers`", file=sys.stderr)
        return 2
    rows, met = [], True
    with QAServer() as server, tempfile.TemporaryDirectory() as folder:
        for name, path in PAGES.items():
            report = audit(server.url + path, folder)
            scores = {c: round(100 * (report["categories"][c]["score"] or 0))
                      for c in CATEGORIES}
            failing = [a["id"] for a in report["audits"].values()
                       if a.get("score") is not None and a["score"] < 1
                       and a.get("scoreDisplayMode") in ("binary", "numeric")
                       and a["id"] not in ("final-screenshot",)][:6]
            met &= all(scores[c] >= GOALS[c] for c in CATEGORIES)
            rows.append(f"| {name} `{path}` | " + " | ".join(str(scores[c]) for c in CATEGORIES)
                        + f" | {', '.join(failing) or '-'} |")
    print("## Lighthouse\n")
    print(f"Lighthouse {report.get('lighthouseVersion')} (npm), Debian's Chromium, default "
          f"mobile emulation (Moto G Power, simulated slow 4G); {machine_line()}.\n")
    print("| page | performance | accessibility | best practices | SEO | audits below 1 |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    print("\n".join(rows))
    print(f"\nGoal: performance >= 98, the others 100: {'met' if met else 'NOT met'}.")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
