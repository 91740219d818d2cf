"""Sign in as a customer over HTTP (CSRF token included) and write the session cookie in
wapiti's JSON cookie format (the one `wapiti-getcookie` writes), for `make scan`.

    .venv/bin/python bench/scan_login.py http://127.0.0.1:PORT cookies.json [email] [password]
"""
from __future__ import annotations

import json
import re
import sys
from urllib.parse import urlsplit

import requests


def main() -> int:
    base, out = sys.argv[1].rstrip("/"), sys.argv[2]
    email = sys.argv[3] if len(sys.argv) > 3 else "qa.us@example.com"
    password = sys.argv[4] if len(sys.argv) > 4 else "Qa-Passw0rd!"
    http = requests.Session()
    http.trust_env = False
    page = http.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    done = http.post(base + "/login", timeout=30, allow_redirects=False, data={
        "csrf_token": token.group(1) if token else "", "email": email, "password": password})
    if done.status_code != 303:
        print(f"could not sign in as {email}: HTTP {done.status_code}", file=sys.stderr)
        return 1
    host = urlsplit(base).hostname or "127.0.0.1"
    jar: dict = {host: {}}
    for cookie in http.cookies:
        jar[host].setdefault(cookie.path or "/", {})[cookie.name] = {
            "value": cookie.value, "expires": cookie.expires, "secure": cookie.secure,
            "port": None, "version": 0}
    with open(out, "w") as f:
        json.dump(jar, f, indent=1)
    print(f"signed in as {email}; cookies {sorted(c.name for c in http.cookies)} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
