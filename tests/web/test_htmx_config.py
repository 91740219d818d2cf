"""The layout's htmx-config keeps htmx 2's rule under htmx 4, which swaps every answer but
those its `noSwap` list names (matched as "422", then "42x", then "4xx"): a refused form
(422) swaps in with its errors; every other 4xx and 5xx leaves the page as it is."""
from __future__ import annotations

import html
import json
import re


def swaps(no_swap: list, status: int) -> bool:
    """htmx 4.0.1's #handleStatusCodes, without per-element hx-status attributes."""
    names = [str(x) for x in no_swap]
    text = str(status)
    return not any(p in names for p in (text, text[:2] + "x", text[0] + "xx"))


def test_refused_forms_swap_and_other_errors_do_not(client):
    page = client.get("/").get_data(as_text=True)
    meta = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', page)
    assert meta, "the layout carries htmx's configuration"
    config = json.loads(html.unescape(meta.group(1)))
    assert config["includeIndicatorCSS"] is False  # no request indicators: none added
    no_swap = config["noSwap"]
    assert all(swaps(no_swap, s) for s in (200, 201, 422))
    assert not any(swaps(no_swap, s) for s in (204, 304, 400, 401, 403, 404, 405, 409, 410,
                                                413, 415, 429, 451, 500, 502, 503, 504))
    assert [s for s in range(400, 600) if swaps(no_swap, s)] == [422]
