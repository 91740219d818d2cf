"""Values a process keeps a few seconds (issue 15): what every visitor of the catalogue
shares and what costs the most to work out, the counts per filter value and the ranking of
a search, kept per process for STOREFRONT_CATALOGUE_COUNTS_SECONDS. The caller decides
what may be a few seconds old; the products a page shows are always read afresh."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import TTLCache

T = TypeVar("T")
MAX_KEYS = 1024  # filter combinations and searched words are open-ended: the oldest go


class Kept:
    """A thread-safe map whose entries live `seconds`; at most MAX_KEYS of them."""

    def __init__(self, seconds: float, timer: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.Lock()
        self.values: TTLCache[Hashable, Any] = TTLCache(MAX_KEYS, seconds, timer=timer)

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept under `key`, or `make()`'s, kept from now on. Two threads that
        miss together both make it (neither waits for the other's statement)."""
        with self.lock:
            found = self.values.get(key)
        if found is None:
            found = make()
            with self.lock:
                self.values[key] = found
        return found
