"""Turn a wapiti JSON report and the sqlmap logs into the Markdown summary `make scan` prints
(and keeps in bench/results/scan-latest.md).

    .venv/bin/python bench/scan_report.py OUT_DIR
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

LEVELS = {1: "low", 2: "medium", 3: "high", 4: "critical"}


def wapiti(out: Path) -> list[str]:
    report = json.loads((out / "wapiti.json").read_text())
    info = report.get("infos", {})
    log = (out / "wapiti.log").read_text(errors="replace") if (out / "wapiti.log").exists() else ""
    found = re.search(r"Wapiti found (\d+) URLs and forms", log)
    crawled = found.group(1) if found else "?"
    stopped = re.findall(r"Max attack time was reached for module (\w+)", log)
    lines = [f"wapiti {info.get('version', '')}: target {info.get('target', '?')}, "
             f"{crawled} URLs and forms crawled"
             + (f"; modules stopped at --max-attack-time: {', '.join(stopped)}" if stopped
                else ""), ""]
    rows = []
    for section in ("vulnerabilities", "anomalies", "additionals"):
        for kind, found in sorted(report.get(section, {}).items()):
            by = Counter()
            for item in found:
                raw = str(item.get("level", "?"))
                level = LEVELS.get(int(raw), raw) if raw.isdigit() else raw
                key = (level, item.get("method", ""), item.get("path", ""),
                       item.get("parameter", ""), (item.get("info") or "")[:140])
                by[key] += 1
            for (level, method, path, parameter, text), n in sorted(by.items()):
                rows.append(f"| {section} | {kind} | {level} | {method} {path} | "
                            f"{parameter or '-'} | {text.replace('|', '/')} | {n} |")
    if rows:
        lines += ["| section | finding | level | where | parameter | detail | count |",
                  "| --- | --- | --- | --- | --- | --- | ---: |", *rows]
    else:
        lines.append("No vulnerability, anomaly or additional finding.")
    return lines


def sqlmap(out: Path) -> list[str]:
    lines = []
    for log in sorted(out.glob("sqlmap-*.log")):
        text = log.read_text(errors="replace")
        injectable = re.findall(r"parameter '([^']+)' (?:is|appears to be) '[^']+' injectable",
                                text)
        verdict = ("INJECTABLE: " + ", ".join(sorted(set(injectable))) if injectable else
                   "no injection found" if "do not appear to be injectable" in text
                   else "no verdict (see the log)")
        requests = re.findall(r"(\d+) HTTP\(s\) requests", text)
        lines.append(f"- sqlmap `{log.stem.removeprefix('sqlmap-')}`: {verdict}"
                     + (f" ({requests[-1]} requests)" if requests else ""))
    return lines


def main() -> int:
    out = Path(sys.argv[1])
    lines = [f"# Scan {out.name}", ""]
    lines += wapiti(out) if (out / "wapiti.json").exists() else ["wapiti: no report"]
    lines += ["", *sqlmap(out)]
    server = out / "server.log"
    if server.exists():
        text = server.read_text(errors="replace")
        statuses = Counter(re.findall(r'"status": (\d{3})', text))
        lines += ["", f"- the store's answers during the scan: {dict(sorted(statuses.items()))}; "
                      f"tracebacks in its log: {text.count('Traceback')}"]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
