"""Card number checks done before the gateway sees a card (R-CHK-5)."""
from __future__ import annotations

import re
from datetime import date

BRANDS = ("Visa", "Mastercard", "JCB", "American Express", "Diners Club")


def digits(number: str) -> str:
    return re.sub(r"[\s-]", "", number or "")


def _ascii_digits(text: str) -> bool:
    """0-9 only: str.isdigit() also takes superscripts and other scripts' digits."""
    return bool(re.fullmatch(r"[0-9]+", text))


def brand(number: str) -> str | None:
    """The accepted brand a card number belongs to, or None."""
    n = digits(number)
    if not _ascii_digits(n):
        return None
    two, four = int(n[:2] or 0), int(n[:4] or 0)
    if n[0] == "4" and len(n) in (13, 16, 19):
        return "Visa"
    if (51 <= two <= 55 or 2221 <= four <= 2720) and len(n) == 16:
        return "Mastercard"
    if two in (34, 37) and len(n) == 15:
        return "American Express"
    if 3528 <= four <= 3589 and len(n) in (16, 17, 18, 19):
        return "JCB"
    if (300 <= int(n[:3]) <= 305 or two in (36, 38, 39)) and 14 <= len(n) <= 19:
        return "Diners Club"
    return None


def luhn_ok(number: str) -> bool:
    n = digits(number)
    if not _ascii_digits(n) or not 12 <= len(n) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(n)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def parse_expiry(text: str) -> tuple[int, int] | None:
    """'MM/YY' -> (month, four-digit year), or None."""
    m = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", text or "")
    if not m:
        return None
    month, year = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return None
    return month, year + 2000 if year < 100 else year


def expired(month: int, year: int, today: date) -> bool:
    return (year, month) < (today.year, today.month)


def card_problems(number: str, expiry: str, cvc: str, name: str, today: date
                  ) -> dict[str, str]:
    """Field messages for a card the store cannot send to the gateway."""
    errors: dict[str, str] = {}
    kind = brand(number)
    if not luhn_ok(number):
        errors["card_number"] = "Enter a valid card number."
    elif kind is None:
        errors["card_number"] = "We accept " + ", ".join(BRANDS) + "."
    exp = parse_expiry(expiry)
    if exp is None:
        errors["card_expiry"] = "Enter the expiry date as MM/YY."
    elif expired(*exp, today):
        errors["card_expiry"] = "This card has expired."
    want = 4 if kind == "American Express" else 3
    if not re.fullmatch(rf"\d{{{want}}}", (cvc or "").strip()):
        errors["card_cvc"] = f"Enter the {want}-digit security code."
    if not (name or "").strip():
        errors["card_name"] = "Enter the name on the card."
    return errors
