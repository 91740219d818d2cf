"""Run Debian's wapiti 3.0.4 with its URL exclusions working (run by /usr/bin/python3).

Its `wildcard_translate` appends the global flags `(?ms)` at the end of the pattern, which
Python 3.11 refuses ("global flags not at the start"), so any `-x URL` makes it crash before
crawling. This puts the flags first and runs wapiti with the given arguments."""
import re
import sys

import wapitiCore.net.crawler as crawler
from wapitiCore.main.wapiti import wapiti_main


def wildcard_translate(pattern: str) -> "re.Pattern[str]":
    body = "".join(".*" if char == "*" else re.escape(char) for char in pattern)
    return re.compile(r"(?ms)" + body + r"\Z")


crawler.wildcard_translate = wildcard_translate
sys.argv[0] = "wapiti"
sys.exit(wapiti_main())
