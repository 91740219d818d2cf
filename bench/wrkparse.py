"""Parse one `wrk --latency` output file into JSON: rps, p50/p90/p99 (ms), errors.

usage: python bench/wrkparse.py WRK_OUTPUT.txt  -> one JSON object on stdout
"""
import json
import re
import sys


def ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse(text: str) -> dict:
    found = re.search(r"Requests/sec:\s+([\d.]+)", text)
    result: dict = {"rps": float(found.group(1)) if found else 0.0}
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        result[f"p{pct}"] = ms(*m.groups()) if m else None
    m = re.search(r"(\d+) requests in", text)
    result["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    result["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    result["socket_errors"] = sum(map(int, m.groups())) if m else 0
    result["errors"] = result["non2xx"] + result["socket_errors"]
    return result


if __name__ == "__main__":
    with open(sys.argv[1]) as fh:
        print(json.dumps(parse(fh.read())))
