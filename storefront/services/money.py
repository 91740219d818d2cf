"""Money is integer cents of USD; shown with Babel."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency


@lru_cache(maxsize=8192)
def usd(cents: int) -> str:
    """12345 -> '$123.45' (kept per process: Babel takes ~50 us, a catalogue page shows 24)."""
    return format_currency(Decimal(cents) / 100, "USD", locale="en_US")


def plain(cents: int) -> str:
    """12345 -> '123.45': the amount as forms, CSV files and schema.org write it."""
    return f"{cents // 100}.{cents % 100:02d}"


def parse_usd(text: str) -> int:
    """'1,249.00' -> 124900; raises ValueError on anything else."""
    try:
        value = Decimal(text.replace(",", "").replace("$", "").strip())
        exact = value.is_finite() and value == value.quantize(Decimal("0.01"))
    except ArithmeticError:
        raise ValueError(text) from None
    if not exact or value < 0 or value > 10_000_000:
        raise ValueError(text)
    return int(value * 100)
